package io.baton.broker.rpc;

import io.baton.api.grpc.BatonErrors;
import io.baton.api.ErrorCode;
import io.baton.api.Limits;
import io.baton.api.v1.Job;
import io.baton.api.v1.Jobs;
import io.baton.api.v1.Outcome;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotException;
import io.baton.broker.slot.Views.ClaimView;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streaming workers over gRPC: one {@link Session} per stream pushes jobs, each under a claim of
 * its own, as long as the worker has credits. Which messages are claimed is decided by the slot's
 * state machine like any claim; this class only moves credits and messages.
 *
 * <p>Batching: a session has at most one claim batch in flight, for all its free credits. Credits
 * returned while a batch is being made durable make the next batch, so under load one decision and
 * one durability wait serve many jobs, and an idle queue costs one outstanding claim per session.
 */
public final class WorkRpc extends WorkServiceGrpc.WorkServiceImplBase {
    private final LocalSlots slots;
    private final SlotCalls calls;
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final AtomicInteger creditsOutstanding = new AtomicInteger();
    private final Counter pushed;
    private final Counter extensions;
    private final Counter releases;
    private final Counter acks;
    private final Counter settles;
    private final Counter claimBatches;
    private final Counter ackBatches;

    /** Work streams one broker serves at most, whoever opens them. */
    public static final int MAX_STREAMS = 10_000;
    private final int maxStreams;
    private final Counter refusedStreams;

    private final Protos protos;
    /** Subscribed sessions, for operators' listings (added at subscription, removed when closed). */
    private final java.util.Set<Session> subscribed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong streamNumbers = new java.util.concurrent.atomic.AtomicLong();
    /** The worker's address, as the transport gives it, for the session the call opens. */
    private static final io.grpc.Context.Key<String> PEER = io.grpc.Context.key("baton-work-peer");
    /** The longest worker name kept. */
    static final int WORKER_NAME_MAX = 200;

    /** {@code maxStreams}: past it, new Work streams are refused with RESOURCE_EXHAUSTED (retryable). */
    public WorkRpc(LocalSlots slots, Protos protos, MeterRegistry registry, int maxStreams) {
        this.slots = slots;
        this.protos = protos;
        this.maxStreams = maxStreams;
        this.refusedStreams = Counter.builder("baton.work.streams.refused")
                .description("Work streams refused: the broker serves its maximum").register(registry);
        this.calls = new SlotCalls(slots);
        registry.gauge("baton.work.streams", activeStreams);
        registry.gauge("baton.work.credits", creditsOutstanding);
        this.pushed = Counter.builder("baton.work.jobs.pushed").description("Jobs pushed to streaming workers").register(registry);
        this.extensions = Counter.builder("baton.work.lease.extensions").description("Lease extensions by streaming workers").register(registry);
        this.releases = Counter.builder("baton.work.releases").description("Jobs given back by streaming workers").register(registry);
        this.acks = Counter.builder("baton.work.acks").description("Jobs acknowledged by streaming workers").register(registry);
        this.settles = Counter.builder("baton.work.settles")
                .description("Requests carrying a streaming worker's acks and releases together").register(registry);
        // Jobs per batch (pushed / claim batches, acks / ack batches) say how well a load batches:
        // each batch costs a slot command, a log append and a message on the stream.
        this.claimBatches = Counter.builder("baton.work.claim.batches")
                .description("Claims that found jobs for a streaming worker's free credits (each pushed in one event or a few)")
                .register(registry);
        this.ackBatches = Counter.builder("baton.work.ack.batches")
                .description("Requests carrying only a streaming worker's acks").register(registry);
    }

    /** The service, with each call's remote address made known to its session: bind this, not the bare service. */
    public io.grpc.ServerServiceDefinition service() {
        return io.grpc.ServerInterceptors.intercept(bindService(), new io.grpc.ServerInterceptor() {
            @Override
            public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                                                                      io.grpc.ServerCallHandler<Q, R> next) {
                java.net.SocketAddress a = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String peer = a instanceof java.net.InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort()
                        : a == null ? "" : "in-process";
                io.grpc.ServerCall<Q, R> announcing = new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(io.grpc.Metadata responseHeaders) {
                        responseHeaders.put(io.baton.api.grpc.WorkStreamHeaders.SETTLE, "1");
                        super.sendHeaders(responseHeaders);
                    }
                };
                return io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(PEER, peer), announcing, headers, next);
            }
        });
    }

    /** What {@link #streams} answers: at most the number asked for, and whether there were more. */
    public record Listing(List<io.baton.api.v1.WorkStreamStatus> streams, boolean truncated) {}

    /** The project's subscribed Work streams on this broker, by queue and age, at most {@code max}. */
    public Listing streams(String project, int max) {
        List<io.baton.api.v1.WorkStreamStatus> out = new java.util.ArrayList<>();
        for (Session s : subscribed) {
            io.baton.api.v1.WorkStreamStatus status = s.status(project);
            if (status != null) {
                out.add(status);
            }
        }
        out.sort(java.util.Comparator.comparing(io.baton.api.v1.WorkStreamStatus::getQueue)
                .thenComparingLong(io.baton.api.v1.WorkStreamStatus::getStream));
        return out.size() <= max ? new Listing(out, false) : new Listing(List.copyOf(out.subList(0, max)), true);
    }

    @Override
    public StreamObserver<WorkRequest> work(StreamObserver<WorkEvent> out) {
        // Counted here, before the session exists, so concurrent openings cannot overshoot the cap.
        if (activeStreams.incrementAndGet() > maxStreams) {
            activeStreams.decrementAndGet();
            refusedStreams.increment();
            out.onError(BatonErrors.toStatus(io.baton.api.ErrorCode.RESOURCE_EXHAUSTED, "this broker serves its maximum of "
                    + maxStreams + " worker streams; retry later, or reach another broker"));
            return new StreamObserver<>() {
                @Override
                public void onNext(WorkRequest value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        return new Session((ServerCallStreamObserver<WorkEvent>) out);
    }

    /**
     * The most bytes one pushed event carries, framing included: under gRPC's default 4 MiB
     * inbound limit, so any client takes it (the SDK takes 8 MiB).
     */
    static final int PUSH_BYTES_MAX = (4 << 20) - (64 << 10);

    /** A job a stream pushed and holds: its claim and message as sequences, and its message id as pushed. */
    private record Held(long claimSeq, long messageSeq, String messageId) {}

    /**
     * One worker's stream. Threads: requests arrive on the transport thread, claim and ack results
     * on slot and flusher threads; every state change and every write to the stream happens under
     * this object's monitor.
     */
    private final class Session implements StreamObserver<WorkRequest> {
        private final ServerCallStreamObserver<WorkEvent> out;
        private QueueRef queue;
        private int slot;
        private SlotDriver driver;
        private long ttl;
        private long grace;
        /** Credits the worker granted when it subscribed: the most jobs it holds at once. */
        private int granted;
        /** Jobs the worker may still receive: credits granted minus jobs it holds. */
        private int credits;
        /** Jobs asked for by the claim batch in flight (0: none in flight). */
        private int claiming;
        /** The last batch found the queue empty; the slot wakes {@link #wake} when messages may be free. */
        private boolean waiting;
        /** Counts wake-ups, so an empty claim that raced with one does not wait for a wake already spent. */
        private long wakeups;
        /** The one wake-up this session registers with the slot (a set there: registered once however often it waits). */
        private final Runnable wake = this::woken;
        private boolean draining;
        private boolean closed;
        /** The worker takes jobs in their compact form (Subscribe.compact_jobs). */
        private boolean compact;
        /**
         * Jobs pushed on this stream and not yet acked or released, by claim id: marked if the stream
         * closes first. An ack or release of one of them is resolved here, by the ids as pushed,
         * instead of decrypting them again (AES work on every ack).
         */
        private final java.util.Map<String, Held> held = new java.util.HashMap<>();
        // What operators see of the stream (Listing).
        private final long number = streamNumbers.incrementAndGet();
        private final String peer = java.util.Objects.requireNonNullElse(PEER.get(), "");
        private final long openedAt = System.currentTimeMillis();
        private String worker = "";
        private long jobsPushed;
        private long jobsAcked;
        private long jobsReleased;
        private long lastExtension;
        private long lastActivity = openedAt;

        Session(ServerCallStreamObserver<WorkEvent> out) {
            this.out = out;
            out.setOnCancelHandler(this::closed);
            // Jobs are claimed only while the transport takes more: a worker that stops reading
            // holds what it was sent, its credits' worth at most, and gets nothing more.
            out.setOnReadyHandler(this::transportReady);
        }

        private synchronized void transportReady() {
            fill();
        }

        /** The stream as operators see it; null unless it is subscribed to a queue of {@code project}. */
        synchronized io.baton.api.v1.WorkStreamStatus status(String project) {
            if (closed || queue == null || !queue.getProject().equals(project)) {
                return null;
            }
            return io.baton.api.v1.WorkStreamStatus.newBuilder().setStream(number).setQueue(queue.getName()).setWorker(worker)
                    .setPeer(peer).setOpenedAtMs(openedAt).setCreditsGranted(granted).setCreditsFree(Math.max(0, credits))
                    .setJobsHeld(held.size()).setJobsPushed(jobsPushed).setJobsAcked(jobsAcked).setJobsReleased(jobsReleased)
                    .setLastExtensionMs(lastExtension).setLastActivityMs(lastActivity).setDraining(draining).build();
        }

        @Override
        public synchronized void onNext(WorkRequest req) {
            if (closed) {
                return;
            }
            lastActivity = System.currentTimeMillis();
            try {
                switch (req.getKindCase()) {
                    case SUBSCRIBE -> subscribe(req.getSubscribe());
                    case ACKS -> ack(req.getAcks());
                    case EXTEND -> extend(req.getExtend());
                    case RELEASE -> release(req.getRelease());
                    case RELEASES -> release(req.getReleases());
                    case SETTLE -> settle(req.getSettle());
                    case DRAIN -> draining = true;
                    default -> throw SlotCalls.invalid("Unknown work request.");
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void subscribe(io.baton.api.v1.Subscribe s) {
            if (driver != null) {
                throw SlotCalls.invalid("The stream is already subscribed.");
            }
            SlotCalls.checkQueue(s.getQueue());
            if (s.getCredits() < 1 || s.getCredits() > 10_000) {
                throw SlotCalls.invalid("Credits must be 1-10000.");
            }
            queue = s.getQueue();
            slot = calls.slotOf(queue);
            driver = slots.route(slot); // NOT_OWNER / UNAVAILABLE: the worker re-resolves and reconnects
            ttl = s.getTtlSeconds();
            grace = s.getGraceSeconds();
            granted = s.getCredits();
            credits = granted;
            compact = s.getCompactJobs();
            worker = java.util.Objects.requireNonNullElse(io.baton.broker.slot.Attempt.cut(s.getWorker(), WORKER_NAME_MAX), "");
            creditsOutstanding.addAndGet(credits);
            subscribed.add(this);
            fill();
        }

        private void requireSubscribed() {
            if (driver == null) {
                throw SlotCalls.invalid("Subscribe first.");
            }
        }

        /** Asks for one batch of jobs, for every free credit, unless one is in flight or the queue was found empty. */
        private void fill() {
            if (closed || draining || waiting || claiming > 0 || credits <= 0 || !out.isReady()) {
                return;
            }
            claiming = Math.min(credits, Limits.WORK_BATCH_MAX);
            long issuedAt = wakeups;
            driver.claimOrWait(new SlotCommand.ClaimEach(queue.getProject(), queue.getName(), claiming, ttl, grace), wake)
                    .whenComplete((claims, error) -> claimed(claims, error, issuedAt));
        }

        private synchronized void woken() {
            wakeups++;
            waiting = false;
            fill();
        }

        private synchronized void claimed(List<ClaimView> claims, Throwable error, long issuedAt) {
            claiming = 0;
            if (error != null) {
                fail(error);
                return;
            }
            if (claims.isEmpty()) {
                // The empty answer arrives after its decision was made durable; a wake-up may have
                // fired meanwhile (spending the waiter this claim registered). Then try again
                // rather than wait for a wake that already happened.
                if (wakeups == issuedAt) {
                    waiting = true; // the driver wakes us when something may be free
                } else {
                    fill();
                }
                return;
            }
            if (closed) {
                return; // the leases lapse; the jobs come back after their TTL
            }
            // Pushed in events of at most PUSH_BYTES_MAX (a batch of large jobs would pass what a
            // client takes in one message).
            Jobs.Builder batch = Jobs.newBuilder();
            int bytes = 0;
            for (ClaimView claim : claims) {
                // The claim id is encoded once (it is AES work); in the full form the message carries it too.
                String claimId = protos.claimId(slot, claim.claimSeq());
                io.baton.api.v1.Message message = protos.pushed(slot, claim.messages().get(0), claim.claimSeq(), claimId, compact);
                held.put(claimId, new Held(claim.claimSeq(), claim.messages().get(0).seq(), message.getId()));
                Job job = Job.newBuilder().setMessage(message).setClaimId(claimId).build();
                int size = com.google.protobuf.CodedOutputStream.computeMessageSize(Jobs.JOBS_FIELD_NUMBER, job);
                if (batch.getJobsCount() > 0 && bytes + size > PUSH_BYTES_MAX) {
                    out.onNext(WorkEvent.newBuilder().setJobs(batch).build());
                    batch = Jobs.newBuilder();
                    bytes = 0;
                }
                batch.addJobs(job);
                bytes += size;
            }
            credits -= claims.size();
            creditsOutstanding.addAndGet(-claims.size());
            claimBatches.increment();
            pushed.increment(claims.size());
            jobsPushed += claims.size();
            out.onNext(WorkEvent.newBuilder().setJobs(batch).build());
            fill();
        }

        /** Acks and releases hand credits back, never beyond what the worker granted. */
        private void returnCredits(int n) {
            int returned = Math.min(n, granted - credits);
            credits += returned;
            creditsOutstanding.addAndGet(returned);
            fill();
        }

        private void ack(io.baton.api.v1.Acks batch) {
            requireSubscribed();
            int n = batch.getAcksCount();
            if (n < 1 || n > Limits.WORK_BATCH_MAX) {
                throw SlotCalls.invalid("An ack batch holds 1-" + Limits.WORK_BATCH_MAX + " acks.");
            }
            SlotCommand.AckMessages command = ackCommand(batch.getAcksList());
            ackBatches.increment();
            CompletableFuture<SlotCommand.AckResult> done = acked(batch.getAcksList(), command);
            returnCredits(n);
            done.whenComplete((result, err) -> report(Outcome.newBuilder().setKind(Outcome.Kind.ACK)
                    .setRefused(result == null ? n : result.refused()), ackError(n, result, err)));
        }

        /** The acks as a slot command; a bad id fails the stream (a client bug). */
        private SlotCommand.AckMessages ackCommand(List<io.baton.api.v1.Ack> list) {
            int n = list.size();
            long[] seqs = new long[n];
            long[] claimSeqs = new long[n];
            for (int i = 0; i < n; i++) {
                io.baton.api.v1.Ack a = list.get(i);
                Held h = held.get(a.getClaimId());
                if (h != null && h.messageId().equals(a.getMessageId())) {
                    seqs[i] = h.messageSeq();
                    claimSeqs[i] = h.claimSeq();
                } else { // pushed on another stream, or a mismatch the slot will refuse
                    seqs[i] = protos.messageSeq(a.getMessageId(), slot);
                    claimSeqs[i] = protos.claimSeq(a.getClaimId(), slot);
                }
                if (seqs[i] <= 0 || claimSeqs[i] <= 0) {
                    // Not an id this stream's queue could have pushed: a client bug, not a lost lease.
                    throw SlotCalls.invalid("Ack " + i + " names a message or claim id that this queue never issued.");
                }
            }
            return new SlotCommand.AckMessages(queue.getProject(), queue.getName(), seqs, claimSeqs);
        }

        /** Submits checked acks: their jobs are no longer held (the caller returns their credits). */
        private CompletableFuture<SlotCommand.AckResult> acked(List<io.baton.api.v1.Ack> list, SlotCommand.AckMessages command) {
            forgetAcked(list);
            return driver.submit(command);
        }

        /** Checked acks are about to be submitted: their jobs are no longer held. */
        private void forgetAcked(List<io.baton.api.v1.Ack> list) {
            for (io.baton.api.v1.Ack a : list) {
                held.remove(a.getClaimId());
            }
            acks.increment(list.size());
            jobsAcked += list.size();
        }

        /** What went wrong with {@code n} acks, as the outcome reports it: null if nothing did. */
        private static Throwable ackError(int n, SlotCommand.AckResult result, Throwable err) {
            if (err == null && result.refused() > 0) {
                return new SlotException(ErrorCode.CLAIM_CONFLICT, result.refused() + " of " + n
                        + " acks were refused: their leases had run out and the messages were claimed again.");
            }
            return err;
        }

        private void extend(io.baton.api.v1.Extend e) {
            requireSubscribed();
            extensions.increment();
            lastExtension = lastActivity;
            answer(Outcome.Kind.EXTEND, e.getClaimId(), driver.submit(new SlotCommand.UpdateClaim(queue.getProject(), queue.getName(),
                    protos.claimSeq(e.getClaimId(), slot), e.getTtlSeconds(), e.getGraceSeconds())), false);
        }

        private void release(io.baton.api.v1.Release r) {
            requireSubscribed();
            SlotCommand.ReleaseClaims.Release one = releaseOf(r, 0);
            releases.increment();
            jobsReleased++;
            held.remove(r.getClaimId());
            // A batch of one: the same decision as a lone release, and it carries every field of the request.
            answer(Outcome.Kind.RELEASE, r.getClaimId(), driver.submit(new SlotCommand.ReleaseClaims(queue.getProject(),
                    queue.getName(), List.of(one))).thenApply(refused -> refused == 0), true);
        }

        private void release(io.baton.api.v1.Releases batch) {
            requireSubscribed();
            int n = batch.getReleasesCount();
            if (n < 1 || n > Limits.WORK_BATCH_MAX) {
                throw SlotCalls.invalid("A release batch holds 1-" + Limits.WORK_BATCH_MAX + " releases.");
            }
            SlotCommand.ReleaseClaims command = releaseCommand(batch.getReleasesList());
            CompletableFuture<Integer> done = released(batch.getReleasesList(), command);
            returnCredits(n);
            done.whenComplete((refused, err) -> report(Outcome.newBuilder()
                    .setKind(Outcome.Kind.RELEASE).setRefused(refused == null ? n : refused), err));
        }

        /** The releases as a slot command; a bad one fails the stream (a client bug). */
        private SlotCommand.ReleaseClaims releaseCommand(List<io.baton.api.v1.Release> list) {
            List<SlotCommand.ReleaseClaims.Release> each = new java.util.ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                each.add(releaseOf(list.get(i), i));
            }
            return new SlotCommand.ReleaseClaims(queue.getProject(), queue.getName(), each);
        }

        /** Submits checked releases: their jobs are no longer held (the caller returns their credits). */
        private CompletableFuture<Integer> released(List<io.baton.api.v1.Release> list, SlotCommand.ReleaseClaims command) {
            forgetReleased(list);
            return driver.submit(command);
        }

        /** Checked releases are about to be submitted: their jobs are no longer held. */
        private void forgetReleased(List<io.baton.api.v1.Release> list) {
            for (io.baton.api.v1.Release r : list) {
                held.remove(r.getClaimId());
            }
            releases.increment(list.size());
            jobsReleased += list.size();
        }

        /**
         * A worker's acks and releases of one turn, answered by one outcome: one slot command
         * ({@link SlotCommand.Settle}: one pass through the slot and one wait for the log, where a
         * turn that carries a failed job would otherwise pay two), or, when a release names a claim
         * that an ack names, the ack batch and then the release batch, which the slot decides in
         * that order. Everything is checked before anything is submitted, so a bad request changes
         * nothing; the credits come back together, so the jobs that refill them are claimed in one batch.
         */
        private void settle(io.baton.api.v1.Settle s) {
            requireSubscribed();
            int a = s.getAcksCount();
            int r = s.getReleasesCount();
            if (a > Limits.WORK_BATCH_MAX || r > Limits.WORK_BATCH_MAX || a + r == 0) {
                throw SlotCalls.invalid("A settle holds 0-" + Limits.WORK_BATCH_MAX + " acks and 0-" + Limits.WORK_BATCH_MAX
                        + " releases, at least one in all.");
            }
            SlotCommand.AckMessages ackCommand = a == 0 ? null : ackCommand(s.getAcksList());
            SlotCommand.ReleaseClaims releaseCommand = r == 0 ? null : releaseCommand(s.getReleasesList());
            // Counted by what it carries, not its form: SDKs send acks alone in a settle too.
            (r == 0 ? ackBatches : settles).increment();
            if (ackCommand != null && releaseCommand != null && SlotCommand.Settle.shareAClaim(ackCommand, releaseCommand)) {
                CompletableFuture<SlotCommand.AckResult> ackDone = acked(s.getAcksList(), ackCommand);
                CompletableFuture<Integer> releaseDone = released(s.getReleasesList(), releaseCommand);
                returnCredits(a + r);
                ackDone.whenComplete((ackResult, ackErr) -> releaseDone.whenComplete((refused, releaseErr) ->
                        reportSettled(a, r, ackResult, refused, ackErr, releaseErr)));
                return;
            }
            if (ackCommand != null) {
                forgetAcked(s.getAcksList());
            }
            if (releaseCommand != null) {
                forgetReleased(s.getReleasesList());
            }
            CompletableFuture<SlotCommand.SettleResult> done = driver.submit(new SlotCommand.Settle(ackCommand, releaseCommand));
            returnCredits(a + r);
            done.whenComplete((result, err) -> reportSettled(a, r, result == null ? null : result.acks(),
                    result == null ? null : result.releasesRefused(), err, null));
        }

        /** The outcome of a settle of {@code a} acks and {@code r} releases; null results where the slot did not answer. */
        private void reportSettled(int a, int r, SlotCommand.AckResult ackResult, Integer releasesRefused, Throwable ackErr,
                                   Throwable releaseErr) {
            Throwable error = ackError(a, ackResult, ackErr);
            if (error == null) {
                error = releaseErr;
            }
            report(Outcome.newBuilder().setKind(Outcome.Kind.SETTLE).setRefused(ackResult == null ? a : ackResult.refused())
                    .setReleasesRefused(releasesRefused == null ? r : releasesRefused), error);
        }

        /** Release {@code i} of a request, checked: a bad one fails the stream (a client bug). */
        private SlotCommand.ReleaseClaims.Release releaseOf(io.baton.api.v1.Release r, int i) {
            Held h = held.get(r.getClaimId());
            long claimSeq = h != null ? h.claimSeq() : protos.claimSeq(r.getClaimId(), slot);
            if (claimSeq <= 0) {
                throw SlotCalls.invalid("Release " + i + " names a claim id that this queue never issued.");
            }
            if (r.getDelayMs() < 0) {
                throw SlotCalls.invalid("A release's delay may not be negative.");
            }
            return new SlotCommand.ReleaseClaims.Release(claimSeq, r.hasDelayMs() ? r.getDelayMs() : SlotCommand.ReleaseClaim.QUEUE_BACKOFF,
                    r.getErrorClass(), r.getErrorMessage(), r.getDeadLetter());
        }

        /** Reports the outcome on the stream once it is durable; a release hands the job's credit back. */
        private void answer(Outcome.Kind kind, String claimId, CompletableFuture<Boolean> done, boolean returnsCredit) {
            if (returnsCredit) {
                returnCredits(1);
            }
            done.whenComplete((ok, err) -> report(Outcome.newBuilder().setKind(kind).setClaimId(claimId), err));
        }

        private synchronized void report(Outcome.Builder outcome, Throwable err) {
            if (closed) {
                return;
            }
            outcome.setOk(err == null);
            if (err != null) {
                outcome.setError(BatonErrors.detailOf(SlotCalls.toStatus(err)));
            }
            out.onNext(WorkEvent.newBuilder().setOutcome(outcome).build());
        }

        private void fail(Throwable e) {
            if (!closed) {
                closed();
                out.onError(SlotCalls.toStatus(e));
            }
        }

        private synchronized void closed() {
            if (!closed) {
                closed = true;
                subscribed.remove(this);
                activeStreams.decrementAndGet();
                creditsOutstanding.addAndGet(-Math.max(0, credits));
                if (driver != null) {
                    // Nothing left registered, even by a claim still in flight: the slot runs this after it.
                    driver.stopWaiting(queue.getProject(), queue.getName(), wake);
                }
                markHeldLost();
            }
        }

        /**
         * Jobs still held when the stream closes keep their leases (the worker may come back on
         * another stream and finish them), but if one runs out now, its ledger says the stream
         * closed. Best effort: a slot that moved meanwhile has its own reason for them.
         */
        private void markHeldLost() {
            if (held.isEmpty() || driver == null) {
                return;
            }
            long[] claimSeqs = held.values().stream().mapToLong(Held::claimSeq).toArray();
            held.clear();
            for (int from = 0; from < claimSeqs.length; from += Limits.WORK_BATCH_MAX) {
                long[] part = java.util.Arrays.copyOfRange(claimSeqs, from, Math.min(claimSeqs.length, from + Limits.WORK_BATCH_MAX));
                driver.submit(new SlotCommand.MarkStreamClosed(queue.getProject(), queue.getName(), part));
            }
        }

        @Override
        public void onError(Throwable t) {
            closed(); // leases still held lapse on their own
        }

        @Override
        public synchronized void onCompleted() {
            boolean wasOpen = !closed;
            closed();
            if (wasOpen) {
                out.onCompleted();
            }
        }
    }
}
