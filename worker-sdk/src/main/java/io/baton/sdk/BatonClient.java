package io.baton.sdk;

import com.google.protobuf.ByteString;
import io.baton.api.ErrorCode;
import io.baton.api.QueueNames;
import io.baton.api.v1.ClaimServiceGrpc;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.CreateClaimRequest;
import io.baton.api.v1.CreateQueueRequest;
import io.baton.api.v1.DeleteMessageRequest;
import io.baton.api.v1.DeleteMessagesRequest;
import io.baton.api.v1.DeleteQueueRequest;
import io.baton.api.v1.GetClaimRequest;
import io.baton.api.v1.GetMessageRequest;
import io.baton.api.v1.GetMessagesRequest;
import io.baton.api.v1.GetMetadataRequest;
import io.baton.api.v1.GetStatsRequest;
import io.baton.api.v1.GetStatsResponse;
import io.baton.api.v1.ListMessagesRequest;
import io.baton.api.v1.ListQueuesRequest;
import io.baton.api.v1.ListQueuesResponse;
import io.baton.api.v1.MessageServiceGrpc;
import io.baton.api.v1.PublishRequest;
import io.baton.api.v1.QueueExistsRequest;
import io.baton.api.v1.QueueInfo;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.QueueServiceGrpc;
import io.baton.api.v1.ReleaseClaimRequest;
import io.baton.api.v1.SetMetadataRequest;
import io.baton.api.v1.UpdateClaimRequest;
import io.baton.sdk.internal.RequestIds;
import io.baton.sdk.internal.Router;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The Baton API as plain Java calls, for one project. Thread-safe; create one per process and
 * share it. Every call routes to the owner of the queue's slot, retries NOT_OWNER and UNAVAILABLE
 * within {@link Builder#callTimeout}, and fails with a {@link BatonException}.
 *
 * <p>Each call comes in two forms: {@code xxx(...)} blocks, {@code xxxAsync(...)} returns a
 * future that fails with a {@link BatonException} and never blocks the calling thread. Futures
 * complete on the client's network thread: callbacks attached to them must not block (use the
 * {@code ...Async(fn, executor)} forms of {@link CompletableFuture} for slow work).
 *
 * <p>{@link #withProject} and {@link #withClientId} give views that share this client's
 * connections (a server acting for many tenants, such as the HTTP gateway, makes one per request;
 * they are cheap). Closing a view does nothing; closing the client it came from closes them all.
 *
 * <pre>{@code
 * try (BatonClient client = BatonClient.builder().target("127.0.0.1:7070").project("demo").build()) {
 *     client.createQueue("jobs");
 *     client.publish("jobs", List.of(new NewMessage(300, "{\"task\":1}")));
 *     Claim claim = client.claim("jobs", 10, 60, 60);
 *     for (Message m : claim.messages()) {
 *         client.deleteMessage("jobs", m.id(), claim.id());
 *     }
 * }
 * }</pre>
 */
public final class BatonClient implements AutoCloseable {
    private final String project;
    private final UUID clientId;
    private final Router router;
    private final Duration callTimeout;
    private final boolean ownsRouter;

    private BatonClient(Builder b) {
        this(b.project, b.clientId, new Router(b.targets, b.callTimeout, b.inProcessWhenLocal, b.token, b.tlsCredentials()), b.callTimeout, true);
    }

    private BatonClient(String project, UUID clientId, Router router, Duration callTimeout, boolean ownsRouter) {
        this.project = project;
        this.clientId = clientId;
        this.router = router;
        this.callTimeout = callTimeout;
        this.ownsRouter = ownsRouter;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Immutable options, validated when built. */
    public static final class Builder {
        private List<String> targets = List.of();
        private String project = "default";
        private UUID clientId = UUID.randomUUID();
        private Duration callTimeout = Duration.ofSeconds(10);
        private boolean inProcessWhenLocal;
        private String token;
        private io.baton.api.tls.TlsCredentials tls;
        private java.nio.file.Path trustedCas;
        private java.nio.file.Path clientCertificate;
        private java.nio.file.Path clientKey;

        /** One or more broker (or seed) addresses, {@code host:port}. */
        /**
         * Takes what the environment sets, as every {@code baton} command and example does:
         * {@code BATON_TARGET} (broker addresses, comma-separated), {@code BATON_PROJECT},
         * {@code BATON_TOKEN}, {@code BATON_TLS_CA}, and {@code BATON_TLS_CERT} with
         * {@code BATON_TLS_KEY}. Variables not set leave the builder as it was; later calls override.
         */
        public Builder fromEnvironment() {
            return fromEnvironment(System.getenv());
        }

        Builder fromEnvironment(java.util.Map<String, String> env) {
            String t = env.get("BATON_TARGET");
            if (t != null && !t.isBlank()) {
                target(t.split(","));
            }
            String p = env.get("BATON_PROJECT");
            if (p != null && !p.isEmpty()) {
                project(p);
            }
            String token = env.get("BATON_TOKEN");
            if (token != null && !token.isEmpty()) {
                token(token);
            }
            String ca = env.get("BATON_TLS_CA");
            if (ca != null && !ca.isEmpty()) {
                trustCertificates(java.nio.file.Path.of(ca));
            }
            String cert = env.get("BATON_TLS_CERT");
            String key = env.get("BATON_TLS_KEY");
            if (cert != null && !cert.isEmpty() && key != null && !key.isEmpty()) {
                clientCertificate(java.nio.file.Path.of(cert), java.nio.file.Path.of(key));
            }
            return this;
        }

        public Builder target(String... addresses) {
            this.targets = List.of(addresses);
            return this;
        }

        public Builder project(String project) {
            this.project = project;
            return this;
        }

        /** The Client-ID messages are posted under (listings hide a client's own messages unless echo). */
        public Builder clientId(UUID clientId) {
            this.clientId = Objects.requireNonNull(clientId);
            return this;
        }

        /** The deadline of each call, retries included. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /**
         * Reach brokers running in this same JVM over gRPC's in-process transport instead of
         * loopback TCP (what {@code baton standalone} does for its gateway). Default: off.
         */
        public Builder inProcessWhenLocal(boolean enabled) {
            this.inProcessWhenLocal = enabled;
            return this;
        }

        /**
         * The token sent with every call (as {@code authorization: Bearer <token>} metadata), for
         * brokers that require one; it must grant the projects the client acts in. Default: none.
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * Reach brokers over TLS, trusting the certificate authorities in {@code caPem} (a PEM file
         * of one or more certificates; re-read when it changes) and checking each broker's host
         * name against its certificate. Default: plaintext.
         */
        public Builder trustCertificates(java.nio.file.Path caPem) {
            this.trustedCas = Objects.requireNonNull(caPem);
            return this;
        }

        /**
         * Present this certificate (PEM chain, leaf first) and key (PEM PKCS#8) to brokers that
         * require client certificates; implies TLS. Both files are re-read when they change.
         */
        public Builder clientCertificate(java.nio.file.Path certificatePem, java.nio.file.Path keyPem) {
            this.clientCertificate = Objects.requireNonNull(certificatePem);
            this.clientKey = Objects.requireNonNull(keyPem);
            return this;
        }

        /**
         * Reach brokers over TLS with credentials already loaded (a process that shares one set
         * between its servers and clients). Overrides {@link #trustCertificates} and
         * {@link #clientCertificate}.
         */
        public Builder tls(io.baton.api.tls.TlsCredentials tls) {
            this.tls = Objects.requireNonNull(tls);
            return this;
        }

        private io.baton.api.tls.TlsCredentials tlsCredentials() {
            if (tls != null || (trustedCas == null && clientCertificate == null)) {
                return tls;
            }
            return io.baton.api.tls.TlsCredentials.load(clientCertificate, clientKey, trustedCas, false);
        }

        public BatonClient build() {
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("at least one target address is required");
            }
            for (String t : targets) {
                if (!t.matches("[^:\\s]+:\\d{1,5}")) {
                    throw new IllegalArgumentException("target must be host:port, got: " + t);
                }
            }
            checkProject(project);
            if (token != null) {
                io.baton.api.grpc.BearerToken.attach(token); // checks it
            }
            if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be positive");
            }
            return new BatonClient(this);
        }
    }

    private static void checkProject(String project) {
        if (!QueueNames.isValidProject(project)) {
            throw new IllegalArgumentException(QueueNames.PROJECT_RULE);
        }
    }

    public String project() {
        return project;
    }

    Router router() {
        return router;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    public UUID clientId() {
        return clientId;
    }

    /** This client acting in another project (a view: shares the connections). */
    public BatonClient withProject(String project) {
        checkProject(project);
        return new BatonClient(project, clientId, router, callTimeout, false);
    }

    /** This client posting and listing under another Client-ID (a view: shares the connections). */
    public BatonClient withClientId(UUID clientId) {
        return new BatonClient(project, Objects.requireNonNull(clientId), router, callTimeout, false);
    }

    // ------------------------------------------------------------------ plumbing

    private QueueRef ref(String queue) {
        return QueueRef.newBuilder().setProject(project).setName(queue == null ? "" : queue).build();
    }

    private <Q, R> CompletableFuture<R> call(String queue, MethodDescriptor<Q, R> method, Q request) {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        return failuresAsBaton(router.call(project, queue == null ? "" : queue, deadline, (ch, d) -> ClientCalls.futureUnaryCall(
                ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, Router.remaining(d)), TimeUnit.NANOSECONDS)),
                request)));
    }

    private static <T> CompletableFuture<T> failuresAsBaton(CompletableFuture<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
            } else {
                out.completeExceptionally(asBaton(e));
            }
        });
        return out;
    }

    private static BatonException asBaton(Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof BatonException b) {
            return b;
        }
        if (t instanceof Router.CallFailed f) {
            return BatonException.of(ErrorCode.byName(f.detail().getCode()), f.detail().getMessage(), f);
        }
        return new BatonException(ErrorCode.INTERNAL, String.valueOf(t.getMessage()), t);
    }

    /** Waits for an async call; its failure is rethrown as the BatonException it carried. */
    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            BatonException b = asBaton(e.getCause());
            // Rethrow with this thread's stack on top, so a caller sees where it called from.
            throw BatonException.of(b.code(), b.getMessage(), b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new UnavailableException(ErrorCode.UNAVAILABLE, "interrupted while waiting for the broker", e);
        }
    }

    private static Message message(io.baton.api.v1.Message m) {
        return new Message(m.getId(), m.getTtlSeconds(), m.getAgeSeconds(), m.getBodyJson().toStringUtf8(),
                Instant.ofEpochMilli(m.getCreatedAtMs()), m.getClaimId(), m.getAttempts(), Attempt.of(m.getLedgerList()));
    }

    private static List<Message> messages(List<io.baton.api.v1.Message> ms) {
        return ms.stream().map(BatonClient::message).toList();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ queues

    /** True when the queue was created, false when it existed already. */
    public boolean createQueue(String queue) {
        return await(createQueueAsync(queue));
    }

    public CompletableFuture<Boolean> createQueueAsync(String queue) {
        return call(queue, QueueServiceGrpc.getCreateQueueMethod(), CreateQueueRequest.newBuilder().setQueue(ref(queue)).build())
                .thenApply(r -> r.getCreated());
    }

    /** Deletes the queue with its messages and claims; false when there was no such queue. */
    public boolean deleteQueue(String queue) {
        return await(deleteQueueAsync(queue));
    }

    public CompletableFuture<Boolean> deleteQueueAsync(String queue) {
        return call(queue, QueueServiceGrpc.getDeleteQueueMethod(), DeleteQueueRequest.newBuilder().setQueue(ref(queue)).build())
                .thenApply(r -> r.getDeleted());
    }

    public boolean queueExists(String queue) {
        return await(queueExistsAsync(queue));
    }

    public CompletableFuture<Boolean> queueExistsAsync(String queue) {
        return call(queue, QueueServiceGrpc.getQueueExistsMethod(), QueueExistsRequest.newBuilder().setQueue(ref(queue)).build())
                .thenApply(r -> r.getExists());
    }

    /** Up to {@code limit} queues with names after {@code marker} (null: from the first), in name order. */
    public List<QueueEntry> listQueues(String marker, int limit, boolean detailed) {
        return await(listQueuesAsync(marker, limit, detailed));
    }

    public CompletableFuture<List<QueueEntry>> listQueuesAsync(String marker, int limit, boolean detailed) {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        ListQueuesRequest req = ListQueuesRequest.newBuilder().setProject(project).setMarker(marker == null ? "" : marker)
                .setLimit(limit).setDetailed(detailed).build();
        // Queues are spread over every broker's slots: ask each owner and merge.
        CompletableFuture<List<QueueEntry>> merged = router.ownerAddressesAsync(deadline).thenCompose(addresses -> {
            List<CompletableFuture<ListQueuesResponse>> parts = new ArrayList<>();
            for (String address : addresses) {
                parts.add(router.callAt(address, deadline, (ch, d) -> ClientCalls.futureUnaryCall(ch.newCall(
                        QueueServiceGrpc.getListQueuesMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, Router.remaining(d)), TimeUnit.NANOSECONDS)), req)));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
                List<QueueEntry> all = new ArrayList<>();
                for (CompletableFuture<ListQueuesResponse> p : parts) {
                    for (QueueInfo q : p.join().getQueuesList()) {
                        all.add(new QueueEntry(q.getName(), detailed ? q.getMetadataJson().toStringUtf8() : null));
                    }
                }
                all.sort(Comparator.comparing(QueueEntry::name));
                return List.copyOf(all.subList(0, Math.min(limit, all.size())));
            });
        });
        return failuresAsBaton(merged);
    }

    public String getMetadata(String queue) {
        return await(getMetadataAsync(queue));
    }

    public CompletableFuture<String> getMetadataAsync(String queue) {
        return call(queue, QueueServiceGrpc.getGetMetadataMethod(), GetMetadataRequest.newBuilder().setQueue(ref(queue)).build())
                .thenApply(r -> r.getMetadataJson().toStringUtf8());
    }

    /** Replaces the queue's metadata with {@code metadataJson}, a JSON object. */
    public void setMetadata(String queue, String metadataJson) {
        await(setMetadataAsync(queue, metadataJson));
    }

    public CompletableFuture<Void> setMetadataAsync(String queue, String metadataJson) {
        return call(queue, QueueServiceGrpc.getSetMetadataMethod(),
                SetMetadataRequest.newBuilder().setQueue(ref(queue)).setMetadataJson(utf8(metadataJson)).build())
                .thenApply(r -> null);
    }

    public QueueStats stats(String queue) {
        return await(statsAsync(queue));
    }

    public CompletableFuture<QueueStats> statsAsync(String queue) {
        return call(queue, QueueServiceGrpc.getGetStatsMethod(), GetStatsRequest.newBuilder().setQueue(ref(queue)).build())
                .thenApply(BatonClient::stats);
    }

    private static QueueStats stats(GetStatsResponse r) {
        QueueStats.Summary oldest = r.hasOldest() ? new QueueStats.Summary(r.getOldest().getId(), r.getOldest().getAgeSeconds(),
                Instant.ofEpochMilli(r.getOldest().getCreatedAtMs())) : null;
        QueueStats.Summary newest = r.hasNewest() ? new QueueStats.Summary(r.getNewest().getId(), r.getNewest().getAgeSeconds(),
                Instant.ofEpochMilli(r.getNewest().getCreatedAtMs())) : null;
        QueueStats.Rates rates = new QueueStats.Rates(Instant.ofEpochMilli(r.getRates().getEndMs()),
                java.time.Duration.ofMillis(r.getRates().getBucketMs()), r.getRates().getPostedList(), r.getRates().getDeletedList(),
                r.getRates().getDeadLetteredList());
        return new QueueStats(r.getClaimed(), r.getFree(), r.getTotal(), oldest, newest, r.getDelayed(), rates);
    }

    // ------------------------------------------------------------------ messages

    /**
     * Posts a batch, all or nothing, and returns once it is durable. Retries are safe: every call
     * carries a fresh request id, so a retried attempt is recognised and not stored twice.
     */
    public PublishResult publish(String queue, List<NewMessage> messages) {
        return await(publishAsync(queue, messages));
    }

    public CompletableFuture<PublishResult> publishAsync(String queue, List<NewMessage> messages) {
        return publishAsync(queue, messages, RequestIds.next());
    }

    /** As {@link #publish(String, List)}, with the caller's own request id (for retries across restarts). */
    public PublishResult publish(String queue, List<NewMessage> messages, String requestId) {
        return await(publishAsync(queue, messages, requestId));
    }

    public CompletableFuture<PublishResult> publishAsync(String queue, List<NewMessage> messages, String requestId) {
        PublishRequest.Builder b = PublishRequest.newBuilder().setQueue(ref(queue)).setClientId(clientId.toString())
                .setRequestId(requestId);
        for (NewMessage m : messages) {
            io.baton.api.v1.NewMessage.Builder nm = io.baton.api.v1.NewMessage.newBuilder().setTtlSeconds(m.ttlSeconds())
                    .setBodyJson(utf8(m.bodyJson()));
            if (m.delaySeconds() != NewMessage.QUEUE_DELAY) {
                nm.setDelaySeconds(m.delaySeconds());
            }
            b.addMessages(nm);
        }
        return call(queue, MessageServiceGrpc.getPublishMethod(), b.build())
                .thenApply(r -> new PublishResult(List.copyOf(r.getMessageIdsList()), r.getDuplicate()));
    }

    /** A page of messages after {@code marker} (null: from the oldest). */
    public MessagePage listMessages(String queue, String marker, int limit, boolean echo, boolean includeClaimed) {
        return await(listMessagesAsync(queue, marker, limit, echo, includeClaimed));
    }

    public CompletableFuture<MessagePage> listMessagesAsync(String queue, String marker, int limit, boolean echo,
            boolean includeClaimed) {
        return listMessagesAsync(queue, marker, limit, echo, includeClaimed, false);
    }

    /** As {@link #listMessages(String, String, int, boolean, boolean)}; {@code includeDelayed} also lists messages not yet due. */
    public MessagePage listMessages(String queue, String marker, int limit, boolean echo, boolean includeClaimed,
            boolean includeDelayed) {
        return await(listMessagesAsync(queue, marker, limit, echo, includeClaimed, includeDelayed));
    }

    public CompletableFuture<MessagePage> listMessagesAsync(String queue, String marker, int limit, boolean echo,
            boolean includeClaimed, boolean includeDelayed) {
        return call(queue, MessageServiceGrpc.getListMessagesMethod(), ListMessagesRequest.newBuilder().setQueue(ref(queue))
                .setClientId(clientId.toString()).setMarker(marker == null ? "" : marker).setLimit(limit).setEcho(echo)
                .setIncludeClaimed(includeClaimed).setIncludeDelayed(includeDelayed).build())
                .thenApply(r -> new MessagePage(messages(r.getMessagesList()), r.getNextMarker()));
    }

    public Message getMessage(String queue, String messageId) {
        return await(getMessageAsync(queue, messageId));
    }

    public CompletableFuture<Message> getMessageAsync(String queue, String messageId) {
        return call(queue, MessageServiceGrpc.getGetMessageMethod(),
                GetMessageRequest.newBuilder().setQueue(ref(queue)).setMessageId(messageId).build())
                .thenApply(r -> message(r.getMessage()));
    }

    /** The live messages among {@code ids}; unknown ids are skipped. */
    public List<Message> getMessages(String queue, List<String> ids) {
        return await(getMessagesAsync(queue, ids));
    }

    public CompletableFuture<List<Message>> getMessagesAsync(String queue, List<String> ids) {
        return call(queue, MessageServiceGrpc.getGetMessagesMethod(),
                GetMessagesRequest.newBuilder().setQueue(ref(queue)).addAllMessageIds(ids).build())
                .thenApply(r -> messages(r.getMessagesList()));
    }

    /**
     * Deletes (acknowledges) a message. {@code claimId} may be null for an unclaimed message.
     * Returns false when it was already gone.
     *
     * @throws ClaimConflictException when another claim holds it, or {@code claimId} does not
     */
    public boolean deleteMessage(String queue, String messageId, String claimId) {
        return await(deleteMessageAsync(queue, messageId, claimId));
    }

    public CompletableFuture<Boolean> deleteMessageAsync(String queue, String messageId, String claimId) {
        return call(queue, MessageServiceGrpc.getDeleteMessageMethod(), DeleteMessageRequest.newBuilder().setQueue(ref(queue))
                .setMessageId(messageId).setClaimId(claimId == null ? "" : claimId).build())
                .thenApply(r -> r.getDeleted());
    }

    /** Deletes the messages among {@code ids}, claimed or not; returns how many were there. */
    public int deleteMessages(String queue, List<String> ids) {
        return await(deleteMessagesAsync(queue, ids));
    }

    public CompletableFuture<Integer> deleteMessagesAsync(String queue, List<String> ids) {
        return call(queue, MessageServiceGrpc.getDeleteMessagesMethod(),
                DeleteMessagesRequest.newBuilder().setQueue(ref(queue)).addAllMessageIds(ids).build())
                .thenApply(r -> r.getDeleted());
    }

    public boolean deleteMessages(String queue, String... ids) {
        return deleteMessages(queue, Arrays.asList(ids)) > 0;
    }

    /** Most messages one purge call deletes (the broker's limit). */
    public static final int PURGE_BATCH_MAX = 10_000;

    /**
     * Deletes the queue's messages up to and including {@code upToMessageId} (all when null),
     * claimed, delayed and free alike; messages posted after it stay. Returns how many were
     * deleted. Each step is durable when it returns; an interrupted purge leaves the rest.
     */
    public long purge(String queue, String upToMessageId) {
        return await(purgeAsync(queue, upToMessageId));
    }

    public CompletableFuture<Long> purgeAsync(String queue, String upToMessageId) {
        return purgeFrom(queue, upToMessageId == null ? "" : upToMessageId, 0);
    }

    private CompletableFuture<Long> purgeFrom(String queue, String upTo, long deletedSoFar) {
        return call(queue, MessageServiceGrpc.getPurgeMessagesMethod(), io.baton.api.v1.PurgeMessagesRequest.newBuilder()
                .setQueue(ref(queue)).setUpToMessageId(upTo).setLimit(PURGE_BATCH_MAX).build())
                .thenCompose(r -> r.getMore() ? purgeFrom(queue, upTo, deletedSoFar + r.getDeleted())
                        : CompletableFuture.completedFuture(deletedSoFar + r.getDeleted()));
    }

    // ------------------------------------------------------------------ dead letters

    /** Most messages one redrive call takes (the broker's limit). */
    public static final int REDRIVE_BATCH_MAX = 100;

    /**
     * Sends up to {@code limit} (1-100) messages of dead-letter queue {@code deadLetterQueue} back to
     * the queues they came from: those of {@code ids}, or the oldest when {@code ids} is empty.
     */
    public RedriveResult redrive(String deadLetterQueue, List<String> ids, int limit) {
        return await(redriveAsync(deadLetterQueue, ids, limit));
    }

    public CompletableFuture<RedriveResult> redriveAsync(String deadLetterQueue, List<String> ids, int limit) {
        return call(deadLetterQueue, MessageServiceGrpc.getRedriveMethod(), io.baton.api.v1.RedriveRequest.newBuilder()
                .setQueue(ref(deadLetterQueue)).addAllMessageIds(ids).setLimit(limit).build())
                .thenApply(r -> new RedriveResult(r.getStarted(), r.getNotMoved()));
    }

    /**
     * Sends every dead-lettered message of {@code deadLetterQueue} back, at most
     * {@code messagesPerSecond} a second, until none is left (messages dead-lettered meanwhile
     * included). Blocks; returns the totals.
     */
    public RedriveResult redriveAll(String deadLetterQueue, double messagesPerSecond) {
        if (!(messagesPerSecond > 0)) {
            throw new IllegalArgumentException("messagesPerSecond must be positive");
        }
        int batch = (int) Math.max(1, Math.min(REDRIVE_BATCH_MAX, Math.floor(messagesPerSecond)));
        long nanosPerBatch = (long) (batch * 1e9 / messagesPerSecond);
        int total = 0;
        int notMoved = 0;
        long next = System.nanoTime();
        while (true) {
            RedriveResult r = redrive(deadLetterQueue, List.of(), batch);
            total += r.redriven();
            notMoved += r.notMoved();
            if (r.redriven() < batch) {
                return new RedriveResult(total, notMoved);
            }
            next += nanosPerBatch;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new RedriveResult(total, notMoved);
                }
            }
        }
    }

    // ------------------------------------------------------------------ claims

    /** Claims up to {@code limit} of the oldest free messages; an empty claim when none is free. */
    public Claim claim(String queue, int limit, long ttlSeconds, long graceSeconds) {
        return await(claimAsync(queue, limit, ttlSeconds, graceSeconds));
    }

    public CompletableFuture<Claim> claimAsync(String queue, int limit, long ttlSeconds, long graceSeconds) {
        return call(queue, ClaimServiceGrpc.getCreateClaimMethod(), CreateClaimRequest.newBuilder().setQueue(ref(queue))
                .setLimit(limit).setTtlSeconds(ttlSeconds).setGraceSeconds(graceSeconds).build())
                .thenApply(r -> new Claim(r.getClaimId(), r.getClaimId().isEmpty() ? 0 : ttlSeconds, 0,
                        messages(r.getMessagesList())));
    }

    public Claim getClaim(String queue, String claimId) {
        return await(getClaimAsync(queue, claimId));
    }

    public CompletableFuture<Claim> getClaimAsync(String queue, String claimId) {
        return call(queue, ClaimServiceGrpc.getGetClaimMethod(),
                GetClaimRequest.newBuilder().setQueue(ref(queue)).setClaimId(claimId).build())
                .thenApply(r -> new Claim(r.getClaimId(), r.getTtlSeconds(), r.getAgeSeconds(), messages(r.getMessagesList())));
    }

    /** Renews a claim: it now expires {@code ttlSeconds} from now. */
    public void renewClaim(String queue, String claimId, long ttlSeconds, long graceSeconds) {
        await(renewClaimAsync(queue, claimId, ttlSeconds, graceSeconds));
    }

    public CompletableFuture<Void> renewClaimAsync(String queue, String claimId, long ttlSeconds, long graceSeconds) {
        return call(queue, ClaimServiceGrpc.getUpdateClaimMethod(), UpdateClaimRequest.newBuilder().setQueue(ref(queue))
                .setClaimId(claimId).setTtlSeconds(ttlSeconds).setGraceSeconds(graceSeconds).build())
                .thenApply(r -> null);
    }

    /** Releases a claim: its messages are free again at once. False when it had already ended. */
    public boolean releaseClaim(String queue, String claimId) {
        return await(releaseClaimAsync(queue, claimId));
    }

    public CompletableFuture<Boolean> releaseClaimAsync(String queue, String claimId) {
        return call(queue, ClaimServiceGrpc.getReleaseClaimMethod(),
                ReleaseClaimRequest.newBuilder().setQueue(ref(queue)).setClaimId(claimId).build())
                .thenApply(r -> r.getReleased());
    }

    // ------------------------------------------------------------------ cluster

    public ClusterMap clusterMap() {
        try {
            return router.refresh(System.nanoTime() + callTimeout.toNanos());
        } catch (Router.CallFailed e) {
            throw asBaton(e);
        }
    }

    /** The cluster map fetched afresh, off the caller's thread. */
    public CompletableFuture<ClusterMap> clusterMapAsync() {
        return failuresAsBaton(router.refreshAsync(System.nanoTime() + callTimeout.toNanos()));
    }

    /**
     * How the broker at {@code grpcAddress} (one of the cluster map's) is doing: its slots, storage
     * and ZooKeeper, and the Work streams of this client's project connected to it. Fails with
     * UNAVAILABLE when the broker does not answer within {@code timeout} (a dead broker is retried
     * until then, as any call).
     */
    public CompletableFuture<io.baton.api.v1.BrokerStatus> brokerStatusAsync(String grpcAddress, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        return failuresAsBaton(router.callAt(grpcAddress, deadline, (ch, d) -> ClientCalls.futureUnaryCall(
                ch.newCall(io.baton.api.v1.ClusterServiceGrpc.getGetBrokerStatusMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, Router.remaining(d)), TimeUnit.NANOSECONDS)),
                io.baton.api.v1.GetBrokerStatusRequest.newBuilder().setProject(project).build())));
    }

    /** Closes the connections (a no-op on a view from {@link #withProject} or {@link #withClientId}). */
    @Override
    public void close() {
        if (ownsRouter) {
            router.close();
        }
    }
}
