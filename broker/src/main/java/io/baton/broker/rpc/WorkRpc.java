package io.baton.broker.rpc;

import io.baton.api.BatonErrors;
import io.baton.api.Ids;
import io.baton.api.v1.Job;
import io.baton.api.v1.Outcome;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views.ClaimView;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streaming workers over gRPC: one {@link Session} per stream pushes jobs, each under a claim of
 * its own, as long as the worker has credits. Which message a claim takes is decided by the slot's
 * state machine like any claim; this class only moves credits and messages.
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

    public WorkRpc(LocalSlots slots, MeterRegistry registry) {
        this.slots = slots;
        this.calls = new SlotCalls(slots);
        registry.gauge("baton.work.streams", activeStreams);
        registry.gauge("baton.work.credits", creditsOutstanding);
        this.pushed = Counter.builder("baton.work.jobs.pushed").description("Jobs pushed to streaming workers").register(registry);
        this.extensions = Counter.builder("baton.work.lease.extensions").description("Lease extensions by streaming workers").register(registry);
        this.releases = Counter.builder("baton.work.releases").description("Jobs given back by streaming workers").register(registry);
        this.acks = Counter.builder("baton.work.acks").description("Jobs acknowledged by streaming workers").register(registry);
    }

    @Override
    public StreamObserver<WorkRequest> work(StreamObserver<WorkEvent> out) {
        return new Session((ServerCallStreamObserver<WorkEvent>) out);
    }

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
        /** Jobs the worker may still receive: credits granted, minus jobs held, minus claims in flight. */
        private int credits;
        private int claiming;
        private boolean waiting;
        /**
         * The last claim found the queue empty: probe with one claim at a time until one returns a
         * job. Without this, every publish into an idle queue would set off a claim per credit of
         * every waiting session, nearly all of them empty (a thundering herd).
         */
        private boolean drained;
        /** Counts wake-ups, so an empty claim that raced with one does not wait for a wake already spent. */
        private long wakeups;
        /** The one wake-up this session registers with the slot (a set there: registered once however often it waits). */
        private final Runnable wake = this::woken;
        private boolean draining;
        private boolean closed;

        Session(ServerCallStreamObserver<WorkEvent> out) {
            this.out = out;
            activeStreams.incrementAndGet();
            out.setOnCancelHandler(this::closed);
        }

        @Override
        public synchronized void onNext(WorkRequest req) {
            if (closed) {
                return;
            }
            try {
                switch (req.getKindCase()) {
                    case SUBSCRIBE -> subscribe(req.getSubscribe());
                    case ACK -> ack(req.getAck());
                    case EXTEND -> extend(req.getExtend());
                    case RELEASE -> release(req.getRelease());
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
            credits = s.getCredits();
            creditsOutstanding.addAndGet(credits);
            fill();
        }

        private void requireSubscribed() {
            if (driver == null) {
                throw SlotCalls.invalid("Subscribe first.");
            }
        }

        /** Issues claims while credits allow and the queue has not been found empty. */
        private void fill() {
            while (!closed && !draining && !waiting && credits - claiming > 0 && !(drained && claiming > 0)) {
                claiming++;
                long issuedAt = wakeups;
                driver.claimOrWait(new SlotCommand.CreateClaim(queue.getProject(), queue.getName(), 1, ttl, grace), wake)
                        .whenComplete((view, error) -> claimed(view, error, issuedAt));
            }
        }

        private synchronized void woken() {
            wakeups++;
            waiting = false;
            fill();
        }

        private synchronized void claimed(ClaimView view, Throwable error, long issuedAt) {
            claiming--;
            if (error != null) {
                fail(error);
                return;
            }
            drained = view.messages().isEmpty();
            if (view.messages().isEmpty()) {
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
            String claimId = Ids.encode(slot, view.claimSeq());
            if (closed) {
                return; // the lease lapses; the job comes back after its TTL
            }
            credits--;
            creditsOutstanding.decrementAndGet();
            pushed.increment();
            out.onNext(WorkEvent.newBuilder().setJob(Job.newBuilder()
                    .setMessage(Protos.message(slot, view.messages().get(0)).toBuilder().setClaimId(claimId))
                    .setClaimId(claimId)).build());
            fill();
        }

        private void returnCredit() {
            credits++;
            creditsOutstanding.incrementAndGet();
            fill();
        }

        private void ack(io.baton.api.v1.Ack a) {
            requireSubscribed();
            long claimSeq = Protos.seqOf(a.getClaimId(), slot);
            CompletableFuture<Boolean> done = driver.submit(new SlotCommand.DeleteMessage(queue.getProject(), queue.getName(),
                    Protos.seqOf(a.getMessageId(), slot), claimSeq < 0 ? SlotCommand.DeleteMessage.BAD_CLAIM : claimSeq));
            acks.increment();
            answer(Outcome.Kind.ACK, a.getClaimId(), done, true);
        }

        private void extend(io.baton.api.v1.Extend e) {
            requireSubscribed();
            extensions.increment();
            answer(Outcome.Kind.EXTEND, e.getClaimId(), driver.submit(new SlotCommand.UpdateClaim(queue.getProject(), queue.getName(),
                    Protos.seqOf(e.getClaimId(), slot), e.getTtlSeconds(), e.getGraceSeconds())), false);
        }

        private void release(io.baton.api.v1.Release r) {
            requireSubscribed();
            releases.increment();
            long claimSeq = Protos.seqOf(r.getClaimId(), slot);
            CompletableFuture<Boolean> done;
            if (r.getDelayMs() <= 0) {
                done = driver.submit(new SlotCommand.ReleaseClaim(queue.getProject(), queue.getName(), claimSeq));
            } else {
                // A delayed release: renew the lease for the delay (no grace) and let it lapse.
                long seconds = Math.max(1, (r.getDelayMs() + 999) / 1000);
                done = driver.submit(new SlotCommand.UpdateClaim(queue.getProject(), queue.getName(), claimSeq, seconds, 0));
            }
            answer(Outcome.Kind.RELEASE, r.getClaimId(), done, true);
        }

        /** Reports the outcome on the stream; acks and releases hand the job's credit back. */
        private void answer(Outcome.Kind kind, String claimId, CompletableFuture<Boolean> done, boolean returnsCredit) {
            if (returnsCredit) {
                returnCredit();
            }
            done.whenComplete((ok, err) -> {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    Outcome.Builder o = Outcome.newBuilder().setKind(kind).setClaimId(claimId).setOk(err == null);
                    if (err != null) {
                        o.setError(BatonErrors.detailOf(SlotCalls.toStatus(err)));
                    }
                    out.onNext(WorkEvent.newBuilder().setOutcome(o).build());
                }
            });
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
                activeStreams.decrementAndGet();
                creditsOutstanding.addAndGet(-Math.max(0, credits));
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
