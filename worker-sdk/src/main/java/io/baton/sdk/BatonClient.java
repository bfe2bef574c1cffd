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
import io.baton.api.v1.ListMessagesResponse;
import io.baton.api.v1.ListQueuesRequest;
import io.baton.api.v1.ListQueuesResponse;
import io.baton.api.v1.MessageServiceGrpc;
import io.baton.api.v1.PublishRequest;
import io.baton.api.v1.PublishResponse;
import io.baton.api.v1.QueueExistsRequest;
import io.baton.api.v1.QueueInfo;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.QueueServiceGrpc;
import io.baton.api.v1.ReleaseClaimRequest;
import io.baton.api.v1.SetMetadataRequest;
import io.baton.api.v1.UpdateClaimRequest;
import io.baton.sdk.internal.Router;
import io.grpc.ManagedChannel;
import io.grpc.stub.AbstractStub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Baton API as plain Java calls, for one project. Thread-safe; create one per project and
 * share it. Every call routes to the owner of the queue's slot, retries NOT_OWNER and UNAVAILABLE
 * within {@link Builder#callTimeout}, and fails with a {@link BatonException}.
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

    private BatonClient(Builder b) {
        this.project = b.project;
        this.clientId = b.clientId;
        this.callTimeout = b.callTimeout;
        this.router = new Router(b.targets, b.callTimeout);
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

        /** One or more broker (or seed) addresses, {@code host:port}. */
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

        public BatonClient build() {
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("at least one target address is required");
            }
            for (String t : targets) {
                if (!t.matches("[^:\\s]+:\\d{1,5}")) {
                    throw new IllegalArgumentException("target must be host:port, got: " + t);
                }
            }
            if (!QueueNames.isValidProject(project)) {
                throw new IllegalArgumentException("project must be 1-256 characters");
            }
            if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be positive");
            }
            return new BatonClient(this);
        }
    }

    public String project() {
        return project;
    }

    public UUID clientId() {
        return clientId;
    }

    // ------------------------------------------------------------------ plumbing

    private QueueRef ref(String queue) {
        return QueueRef.newBuilder().setProject(project).setName(queue == null ? "" : queue).build();
    }

    private <S extends AbstractStub<S>, T> T call(String queue, Function<ManagedChannel, S> stub, Function<S, T> rpc) {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        try {
            int slot = router.slotOf(project, queue == null ? "" : queue, deadline);
            return router.call(slot, deadline, ch -> rpc.apply(stub.apply(ch)
                    .withDeadlineAfter(Math.max(1, Router.remaining(deadline)), TimeUnit.NANOSECONDS)));
        } catch (Router.CallFailed e) {
            throw BatonException.of(ErrorCode.byName(e.detail().getCode()), e.detail().getMessage(), e);
        }
    }

    private static Message message(io.baton.api.v1.Message m) {
        return new Message(m.getId(), m.getTtlSeconds(), m.getAgeSeconds(), m.getBodyJson().toStringUtf8(),
                Instant.ofEpochMilli(m.getCreatedAtMs()), m.getClaimId());
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
        return call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.createQueue(CreateQueueRequest.newBuilder().setQueue(ref(queue)).build())).getCreated();
    }

    /** Deletes the queue with its messages and claims; false when there was no such queue. */
    public boolean deleteQueue(String queue) {
        return call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.deleteQueue(DeleteQueueRequest.newBuilder().setQueue(ref(queue)).build())).getDeleted();
    }

    public boolean queueExists(String queue) {
        return call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.queueExists(QueueExistsRequest.newBuilder().setQueue(ref(queue)).build())).getExists();
    }

    /** Up to {@code limit} queues with names after {@code marker} (null: from the first), in name order. */
    public List<QueueEntry> listQueues(String marker, int limit, boolean detailed) {
        long deadline = System.nanoTime() + callTimeout.toNanos();
        ListQueuesRequest req = ListQueuesRequest.newBuilder().setProject(project).setMarker(marker == null ? "" : marker)
                .setLimit(limit).setDetailed(detailed).build();
        List<QueueEntry> all = new ArrayList<>();
        try {
            // Queues are spread over every broker's slots: ask each owner and merge.
            for (String address : router.ownerAddresses(deadline)) {
                ListQueuesResponse r = router.callAt(address, deadline, ch -> QueueServiceGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(Math.max(1, Router.remaining(deadline)), TimeUnit.NANOSECONDS).listQueues(req));
                for (QueueInfo q : r.getQueuesList()) {
                    all.add(new QueueEntry(q.getName(), detailed ? q.getMetadataJson().toStringUtf8() : null));
                }
            }
        } catch (Router.CallFailed e) {
            throw BatonException.of(ErrorCode.byName(e.detail().getCode()), e.detail().getMessage(), e);
        }
        all.sort(Comparator.comparing(QueueEntry::name));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    public String getMetadata(String queue) {
        return call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.getMetadata(GetMetadataRequest.newBuilder().setQueue(ref(queue)).build())).getMetadataJson().toStringUtf8();
    }

    /** Replaces the queue's metadata with {@code metadataJson}, a JSON object. */
    public void setMetadata(String queue, String metadataJson) {
        call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.setMetadata(SetMetadataRequest.newBuilder().setQueue(ref(queue)).setMetadataJson(utf8(metadataJson)).build()));
    }

    public QueueStats stats(String queue) {
        GetStatsResponse r = call(queue, QueueServiceGrpc::newBlockingStub,
                s -> s.getStats(GetStatsRequest.newBuilder().setQueue(ref(queue)).build()));
        QueueStats.Summary oldest = r.hasOldest() ? new QueueStats.Summary(r.getOldest().getId(), r.getOldest().getAgeSeconds(),
                Instant.ofEpochMilli(r.getOldest().getCreatedAtMs())) : null;
        QueueStats.Summary newest = r.hasNewest() ? new QueueStats.Summary(r.getNewest().getId(), r.getNewest().getAgeSeconds(),
                Instant.ofEpochMilli(r.getNewest().getCreatedAtMs())) : null;
        return new QueueStats(r.getClaimed(), r.getFree(), r.getTotal(), oldest, newest);
    }

    // ------------------------------------------------------------------ messages

    /**
     * Posts a batch, all or nothing, and returns once it is durable. Retries are safe: every call
     * carries a fresh request id, so a retried attempt is recognised and not stored twice.
     */
    public PublishResult publish(String queue, List<NewMessage> messages) {
        return publish(queue, messages, UUID.randomUUID().toString());
    }

    /** As {@link #publish(String, List)}, with the caller's own request id (for retries across restarts). */
    public PublishResult publish(String queue, List<NewMessage> messages, String requestId) {
        PublishRequest.Builder b = PublishRequest.newBuilder().setQueue(ref(queue)).setClientId(clientId.toString())
                .setRequestId(requestId);
        for (NewMessage m : messages) {
            b.addMessages(io.baton.api.v1.NewMessage.newBuilder().setTtlSeconds(m.ttlSeconds()).setBodyJson(utf8(m.bodyJson())));
        }
        PublishRequest req = b.build();
        PublishResponse r = call(queue, MessageServiceGrpc::newBlockingStub, s -> s.publish(req));
        return new PublishResult(List.copyOf(r.getMessageIdsList()), r.getDuplicate());
    }

    /** A page of messages after {@code marker} (null: from the oldest). */
    public MessagePage listMessages(String queue, String marker, int limit, boolean echo, boolean includeClaimed) {
        ListMessagesResponse r = call(queue, MessageServiceGrpc::newBlockingStub, s -> s.listMessages(
                ListMessagesRequest.newBuilder().setQueue(ref(queue)).setClientId(clientId.toString())
                        .setMarker(marker == null ? "" : marker).setLimit(limit).setEcho(echo).setIncludeClaimed(includeClaimed).build()));
        return new MessagePage(messages(r.getMessagesList()), r.getNextMarker());
    }

    public Message getMessage(String queue, String messageId) {
        return message(call(queue, MessageServiceGrpc::newBlockingStub, s -> s.getMessage(
                GetMessageRequest.newBuilder().setQueue(ref(queue)).setMessageId(messageId).build())).getMessage());
    }

    /** The live messages among {@code ids}; unknown ids are skipped. */
    public List<Message> getMessages(String queue, List<String> ids) {
        return messages(call(queue, MessageServiceGrpc::newBlockingStub, s -> s.getMessages(
                GetMessagesRequest.newBuilder().setQueue(ref(queue)).addAllMessageIds(ids).build())).getMessagesList());
    }

    /**
     * Deletes (acknowledges) a message. {@code claimId} may be null for an unclaimed message.
     * Returns false when it was already gone.
     *
     * @throws ClaimConflictException when another claim holds it, or {@code claimId} does not
     */
    public boolean deleteMessage(String queue, String messageId, String claimId) {
        return call(queue, MessageServiceGrpc::newBlockingStub, s -> s.deleteMessage(DeleteMessageRequest.newBuilder()
                .setQueue(ref(queue)).setMessageId(messageId).setClaimId(claimId == null ? "" : claimId).build())).getDeleted();
    }

    /** Deletes the messages among {@code ids}, claimed or not; returns how many were there. */
    public int deleteMessages(String queue, List<String> ids) {
        return call(queue, MessageServiceGrpc::newBlockingStub, s -> s.deleteMessages(
                DeleteMessagesRequest.newBuilder().setQueue(ref(queue)).addAllMessageIds(ids).build())).getDeleted();
    }

    public boolean deleteMessages(String queue, String... ids) {
        return deleteMessages(queue, Arrays.asList(ids)) > 0;
    }

    // ------------------------------------------------------------------ claims

    /** Claims up to {@code limit} of the oldest free messages; an empty claim when none is free. */
    public Claim claim(String queue, int limit, long ttlSeconds, long graceSeconds) {
        var r = call(queue, ClaimServiceGrpc::newBlockingStub, s -> s.createClaim(CreateClaimRequest.newBuilder()
                .setQueue(ref(queue)).setLimit(limit).setTtlSeconds(ttlSeconds).setGraceSeconds(graceSeconds).build()));
        return new Claim(r.getClaimId(), r.getClaimId().isEmpty() ? 0 : ttlSeconds, 0, messages(r.getMessagesList()));
    }

    public Claim getClaim(String queue, String claimId) {
        var r = call(queue, ClaimServiceGrpc::newBlockingStub, s -> s.getClaim(
                GetClaimRequest.newBuilder().setQueue(ref(queue)).setClaimId(claimId).build()));
        return new Claim(r.getClaimId(), r.getTtlSeconds(), r.getAgeSeconds(), messages(r.getMessagesList()));
    }

    /** Renews a claim: it now expires {@code ttlSeconds} from now. */
    public void renewClaim(String queue, String claimId, long ttlSeconds, long graceSeconds) {
        call(queue, ClaimServiceGrpc::newBlockingStub, s -> s.updateClaim(UpdateClaimRequest.newBuilder().setQueue(ref(queue))
                .setClaimId(claimId).setTtlSeconds(ttlSeconds).setGraceSeconds(graceSeconds).build()));
    }

    /** Releases a claim: its messages are free again at once. False when it had already ended. */
    public boolean releaseClaim(String queue, String claimId) {
        return call(queue, ClaimServiceGrpc::newBlockingStub, s -> s.releaseClaim(
                ReleaseClaimRequest.newBuilder().setQueue(ref(queue)).setClaimId(claimId).build())).getReleased();
    }

    // ------------------------------------------------------------------ cluster

    public ClusterMap clusterMap() {
        try {
            return router.refresh(System.nanoTime() + callTimeout.toNanos());
        } catch (Router.CallFailed e) {
            throw BatonException.of(ErrorCode.byName(e.detail().getCode()), e.detail().getMessage(), e);
        }
    }

    @Override
    public void close() {
        router.close();
    }
}
