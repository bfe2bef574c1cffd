package io.baton.broker.runtime;

import io.baton.broker.log.SlotLog;
import io.baton.broker.slot.BufferedDataOutput;
import io.baton.broker.slot.SlotSnapshot;
import io.baton.broker.slot.SlotStateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules one slot's checkpoints: counts the bytes the slot appends, asks its
 * {@link CheckpointPolicy} when enough have gone by, captures the state on the slot thread and has
 * a checkpoint writer encode it and the log store it, so the slot keeps serving meanwhile
 * (encoding, writing and fsyncing a multi-megabyte snapshot inline stalled every command of the
 * slot for tens of milliseconds). One write at a time per slot: a checkpoint due meanwhile waits
 * for the next look. When the log answers that some kept storage is mostly dead, the
 * {@link Compactor} rewrites its live bodies so that the next checkpoint can let it go.
 *
 * <p>Slot thread only, except {@link #awaitWrite}.
 */
final class Checkpointer {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

    /** Moves live bodies out of mostly-dead storage (checkpoint writer's thread). */
    interface Compactor {
        void compact(SlotSnapshot.Image image, List<SlotLog.AddressRange> sparse) throws IOException;
    }

    private final int slot;
    private final SlotLog slotLog;
    private final SlotLane thread;
    private final CheckpointPolicy policy;
    private final Executor writers;
    private final Compactor compactor;

    /** The checkpoint being written (or the last one written). Set on the slot thread only. */
    private volatile CompletableFuture<Void> write = CompletableFuture.completedFuture(null);
    private long appendedSinceCheckpoint;
    /** Live body bytes when the last checkpoint was captured. */
    private long bodyBytesAtCheckpoint;
    /** Bodies were moved (or placed): checkpoint at the next tick, so the storage they left can go. */
    private boolean soon;
    private long nextLook;

    Checkpointer(int slot, SlotLog slotLog, SlotLane thread, CheckpointPolicy policy, Executor writers,
                 Compactor compactor) {
        this.slot = slot;
        this.slotLog = slotLog;
        this.thread = thread;
        this.policy = policy;
        this.writers = writers;
        this.compactor = compactor;
        this.nextLook = policy.minBytes();
    }

    /** Counts bytes appended to (or replayed from) the log since the last checkpoint. */
    void appended(long bytes) {
        appendedSinceCheckpoint += bytes;
    }

    /** After recovery: every live body is in the log, none in a snapshot yet to be cut. */
    void recovered(long bodyBytes) {
        bodyBytesAtCheckpoint = bodyBytes;
    }

    /** Checkpoints at the next tick, so that storage bodies were moved out of can go. */
    void soon() {
        soon = true;
    }

    /** After a command wrote records: looks at the policy once enough was appended since the last look. */
    void afterWrite(SlotStateMachine sm) {
        if (appendedSinceCheckpoint >= nextLook) {
            maybeCheckpoint(sm);
        }
    }

    /** Periodic: a checkpoint asked for soon, or a look at anything appended (an idle slot's log gets cut too). */
    void tick(SlotStateMachine sm) {
        if (soon && write.isDone()) {
            soon = false;
            checkpointNow(sm);
        } else if (appendedSinceCheckpoint > 0) {
            maybeCheckpoint(sm);
        }
    }

    /** Waits for the checkpoint being written, if any (a log is never closed under one). Any thread. */
    void awaitWrite() {
        write.exceptionally(e -> null).join();
    }

    private void maybeCheckpoint(SlotStateMachine sm) {
        long index = sm.liveBytesEstimate();
        if (policy.due(appendedSinceCheckpoint, index, sm.usage().bodyBytes(), bodyBytesAtCheckpoint)) {
            checkpointNow(sm);
        } else {
            nextLook = policy.nextLook(appendedSinceCheckpoint, index);
        }
    }

    private void checkpointNow(SlotStateMachine sm) {
        if (!write.isDone()) {
            nextLook = appendedSinceCheckpoint + (1 << 20);
            return;
        }
        SlotSnapshot.Image image;
        try {
            image = SlotSnapshot.capture(sm);
        } catch (RuntimeException e) {
            log.warn("slot {}: checkpoint failed; the log keeps growing until the next one succeeds", slot, e);
            nextLook = appendedSinceCheckpoint + policy.minBytes();
            return;
        }
        long position = slotLog.lastPosition();
        bodyBytesAtCheckpoint = sm.usage().bodyBytes();
        long covered = appendedSinceCheckpoint;
        appendedSinceCheckpoint = 0;
        nextLook = policy.minBytes();
        write = CompletableFuture.runAsync(() -> {
            try {
                List<SlotLog.AddressRange> sparse = slotLog.checkpoint(position, (out, live) -> {
                    BufferedDataOutput data = new BufferedDataOutput(out, 1 << 16);
                    image.writeTo(data, live::live);
                    data.flush();
                });
                if (!sparse.isEmpty()) {
                    compactor.compact(image, sparse);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, writers).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("slot {}: checkpoint failed; the log keeps growing until the next one succeeds", slot, e);
                try {
                    // Those bytes are still in the log: count them toward the next checkpoint.
                    thread.execute(() -> appendedSinceCheckpoint += covered);
                } catch (RejectedExecutionException shuttingDown) {
                    // nothing left to checkpoint for
                }
            }
        });
    }
}
