package io.baton.broker.runtime;

import io.baton.api.SlotHash;
import io.baton.broker.slot.MovedMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views.MoveBatch;
import io.baton.broker.slot.Views.MovingMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves messages out of the queues of the slots served here (dead letters, redrives) to the queues
 * they go to, wherever those are served: the slot decided the move and holds the messages (durable,
 * invisible to claims); this copies them to the target ({@link Target}), and once the copy is
 * durable there, tells the slot to delete them. A copy sent twice (a retry after a lost answer, a
 * new owner redoing an unfinished move) is taken once by the target, so each message arrives
 * exactly once and is never lost: at every moment it is held here, or there, or both.
 *
 * <p>Threads: one pass per slot at a time, on futures (nothing blocks); a pass that fails (the
 * target is unavailable, full, or moving) is tried again after a backoff of up to
 * {@value #MAX_BACKOFF_MILLIS} ms, and logged once per failing streak. A slot is woken when a
 * decision starts moves and when it opens with moves left unfinished.
 */
public final class MessageMover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MessageMover.class);
    /** Messages one pass reads from a slot (the rest follow in the next pass, at once). */
    static final int PASS_MESSAGES = 1_000;
    static final long MIN_BACKOFF_MILLIS = 200;
    static final long MAX_BACKOFF_MILLIS = 30_000;

    /** Where copies go: the serving broker of the target queue's slot, here or elsewhere. */
    @FunctionalInterface
    public interface Target {
        /** Hands the copies to the slot serving {@code c.queue()}; completes once they are durable there. */
        CompletableFuture<Integer> accept(int slot, SlotCommand.AcceptMoved c);
    }

    private final LocalSlots slots;
    private final Target target;
    private final ScheduledExecutorService timer;
    private final ConcurrentHashMap<Integer, Pass> passes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public MessageMover(LocalSlots slots, Target target, ScheduledExecutorService timer) {
        this.slots = slots;
        this.target = target;
        this.timer = timer;
    }

    /** The slot's state with the mover: whether a pass runs, whether another is wanted, how often it failed in a row. */
    private static final class Pass {
        boolean running;
        boolean again;
        int failures;
    }

    /** {@code slot} has messages to move: starts a pass, or another once the running one ends. Any thread. */
    public void wake(int slot) {
        if (closed) {
            return;
        }
        Pass p = passes.computeIfAbsent(slot, s -> new Pass());
        synchronized (p) {
            if (p.running) {
                p.again = true;
                return;
            }
            p.running = true;
        }
        run(slot, p);
    }

    private void run(int slot, Pass p) {
        SlotDriver d = slots.get(slot);
        if (d == null || d.state() != SlotOwnershipState.SERVING) {
            ended(slot, p, null, false); // no longer served here: its next owner moves what is left
            return;
        }
        d.submit(new SlotCommand.PendingMoves(PASS_MESSAGES))
                .thenCompose(batches -> moveAll(d, batches).thenApply(v -> batchesFull(batches)))
                .whenComplete((more, err) -> ended(slot, p, err, Boolean.TRUE.equals(more)));
    }

    private static boolean batchesFull(List<MoveBatch> batches) {
        int n = 0;
        for (MoveBatch b : batches) {
            n += b.messages().size();
        }
        return n >= PASS_MESSAGES;
    }

    /** Moves the batches one after the other (each copy, then each delete). */
    private CompletableFuture<Void> moveAll(SlotDriver d, List<MoveBatch> batches) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (MoveBatch b : batches) {
            chain = chain.thenCompose(v -> move(d, b));
        }
        return chain;
    }

    private CompletableFuture<Void> move(SlotDriver d, MoveBatch b) {
        if (b.messages().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<MovedMessage> copies = new ArrayList<>(b.messages().size());
        for (MovingMessage m : b.messages()) {
            copies.add(new MovedMessage(m.ttlSeconds(), m.bodyRef().bytes(), m.origin(), m.ended(), m.recent()));
        }
        // Names the move for the target's de-duplication: hold sequences are never reused in a slot.
        String requestId = "move-" + d.slot() + "-" + b.holdSeq();
        SlotCommand.AcceptMoved accept = new SlotCommand.AcceptMoved(b.project(), b.move().queue(), requestId, copies);
        int targetSlot = SlotHash.slotOf(b.project(), b.move().queue(), slots.slotCount());
        return target.accept(targetSlot, accept)
                .thenCompose(n -> d.submit(new SlotCommand.FinishMove(b.project(), b.queue(), b.holdSeq())))
                .thenApply(n -> null);
    }

    private void ended(int slot, Pass p, Throwable err, boolean more) {
        long retryIn = -1;
        synchronized (p) {
            if (err != null) {
                p.failures++;
                retryIn = Math.min(MAX_BACKOFF_MILLIS, MIN_BACKOFF_MILLIS << Math.min(16, p.failures - 1));
                if (p.failures == 1 || p.failures % 20 == 0) {
                    log.warn("slot {}: moving messages to another queue failed ({} in a row); trying again in {} ms: {}", slot,
                            p.failures, retryIn, rootMessage(err));
                }
            } else {
                if (p.failures > 0) {
                    log.info("slot {}: moving messages works again after {} failures", slot, p.failures);
                }
                p.failures = 0;
            }
            if (retryIn < 0 && (p.again || more)) {
                p.again = false;
                retryIn = 0;
            }
            if (retryIn < 0 || closed) {
                p.running = false;
                return;
            }
            p.again = false;
        }
        try {
            timer.schedule(() -> run(slot, p), retryIn, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (p) {
                p.running = false; // shutting down
            }
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.toString();
    }

    @Override
    public void close() {
        closed = true;
    }
}
