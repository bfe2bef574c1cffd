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
    /** How long a woken slot waits before its pass, so that moves started meanwhile join it. */
    static final long LINGER_MILLIS = 50;
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

    /**
     * {@code slot} has messages to move: starts a pass after {@link #LINGER_MILLIS}, or another
     * once the running one ends. Any thread.
     *
     * <p>Why the linger: a pass costs two durable writes (the copy there, the delete here), and each
     * starts a group commit of its own when it falls between the commits of the slot's other
     * traffic. Poison jobs meet their last claim one at a time, so a pass at every wake-up would
     * add two commits per dead letter; a pass that lingers takes every move started meanwhile.
     * Nobody waits for a dead letter, so a few tens of milliseconds cost nothing.
     */
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
        later(slot, p, LINGER_MILLIS);
    }

    /** Runs a pass over {@code slot} in {@code millis}; the pass is marked running already. */
    private void later(int slot, Pass p, long millis) {
        try {
            timer.schedule(() -> run(slot, p), millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            synchronized (p) {
                p.running = false; // shutting down
            }
        }
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

    /**
     * Moves the batches, a chunk after the other: the messages of one queue bound for the same
     * queue travel together, up to {@link SlotCommand.AcceptMoved#MESSAGES_MAX} messages and
     * {@link #CHUNK_BYTES_MAX} bytes of bodies, in one copy, followed by one delete for the holds
     * whose messages have all been copied. So a pass over many small holds (one per claim that met
     * a poison job) waits for two durable writes per chunk rather than two per hold.
     */
    private CompletableFuture<Void> moveAll(SlotDriver d, List<MoveBatch> batches) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Chunk chunk : chunks(batches)) {
            chain = chain.thenCompose(v -> move(d, chunk));
        }
        return chain;
    }

    /** Bodies one copy carries at most (a gRPC message to another broker may hold 8 MiB). */
    static final long CHUNK_BYTES_MAX = 4L << 20;

    /**
     * Messages copied together, all of one queue bound for the same queue, and the holds to finish
     * once the copy is durable: those whose last message it carries (earlier chunks carried the rest).
     */
    record Chunk(String project, String queue, String target, List<MovingMessage> messages, List<Long> finishes) {}

    /**
     * {@code batches} (as a slot lists them: by queue, each queue's holds oldest first) cut into
     * chunks that move together. Each chunk is a run of consecutive messages of that listing.
     */
    static List<Chunk> chunks(List<MoveBatch> batches) {
        List<Chunk> out = new ArrayList<>();
        Chunk chunk = null;
        long bytes = 0;
        for (MoveBatch b : batches) {
            for (MovingMessage m : b.messages()) {
                int size = m.bodyRef().length();
                if (chunk == null || !chunk.project().equals(b.project()) || !chunk.queue().equals(b.queue())
                        || !chunk.target().equals(b.move().queue()) || chunk.messages().size() == SlotCommand.AcceptMoved.MESSAGES_MAX
                        || bytes + size > CHUNK_BYTES_MAX) {
                    chunk = new Chunk(b.project(), b.queue(), b.move().queue(), new ArrayList<>(), new ArrayList<>());
                    out.add(chunk);
                    bytes = 0;
                }
                chunk.messages().add(m);
                bytes += size;
            }
            if (chunk != null && !b.messages().isEmpty()) {
                chunk.finishes().add(b.holdSeq());
            }
        }
        return out;
    }

    private CompletableFuture<Void> move(SlotDriver d, Chunk chunk) {
        List<MovedMessage> copies = new ArrayList<>(chunk.messages().size());
        for (MovingMessage m : chunk.messages()) {
            copies.add(new MovedMessage(m.ttlSeconds(), m.bodyRef().bytes(), m.origin(), m.ended(), m.recent()));
        }
        // Names the copy for the target's de-duplication. A chunk is a run of the slot's listing of
        // messages to move, which only ever loses messages (moved, expired) or grows at its end, so
        // its first and last message and its size name exactly one set of messages; sequences are
        // never reused in a slot. A retry that cuts the chunks differently is still taken once: the
        // target also knows each copy by its origin.
        List<MovingMessage> ms = chunk.messages();
        String requestId = "move-" + d.slot() + "-" + ms.get(0).seq() + "-" + ms.get(ms.size() - 1).seq() + "-" + ms.size();
        SlotCommand.AcceptMoved accept = new SlotCommand.AcceptMoved(chunk.project(), chunk.target(), requestId, copies);
        int targetSlot = SlotHash.slotOf(chunk.project(), chunk.target(), slots.slotCount());
        CompletableFuture<Integer> copied = target.accept(targetSlot, accept);
        if (chunk.finishes().isEmpty()) {
            return copied.thenApply(n -> null);
        }
        long[] holds = chunk.finishes().stream().mapToLong(Long::longValue).toArray();
        return copied.thenCompose(n -> d.submit(new SlotCommand.FinishMove(chunk.project(), chunk.queue(), holds)))
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
                retryIn = more ? 0 : LINGER_MILLIS; // a full pass goes on at once; new moves linger as at a wake-up
            }
            if (retryIn < 0 || closed) {
                p.running = false;
                return;
            }
            p.again = false;
        }
        later(slot, p, retryIn);
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
