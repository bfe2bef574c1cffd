package io.baton.broker.runtime;

import io.baton.api.DaemonThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads a broker's slots share for what must not run on a slot thread: the timers that
 * wake streaming workers when claims expire (they hand the wake-up back to the slot's thread),
 * checkpoint writes (blocking I/O: snapshot files, snapshot ledgers) and log closes (which wait
 * for in-flight appends and, in BookKeeper, for the ledger's close, while other slots share the
 * slot thread). Made and closed with the broker, after its slots.
 */
public final class SlotExecutors implements AutoCloseable {
    final ScheduledExecutorService wakeTimers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("slot-wake-timers"));
    final ExecutorService checkpointWriters = Executors.newCachedThreadPool(DaemonThreads.named("slot-checkpoint"));
    final ExecutorService closers = Executors.newCachedThreadPool(DaemonThreads.named("slot-log-closer"));

    /** Stops the timers; lets checkpoint writes and log closes under way finish (10 s at most). */
    @Override
    public void close() {
        wakeTimers.shutdownNow();
        checkpointWriters.shutdown();
        closers.shutdown();
        try {
            checkpointWriters.awaitTermination(10, TimeUnit.SECONDS);
            closers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
