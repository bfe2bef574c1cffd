package io.baton.broker.runtime;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The threads slot commands run on: slot {@code s} always runs on thread {@code s mod n}, so each
 * state machine sees one thread and needs no locks, and a broker with 256 slots still has only a
 * handful of threads.
 */
public final class SlotThreads implements AutoCloseable {
    private final ExecutorService[] threads;

    public SlotThreads(int count) {
        threads = new ExecutorService[count];
        for (int i = 0; i < count; i++) {
            int n = i;
            threads[i] = Executors.newSingleThreadExecutor(io.baton.api.DaemonThreads.named("slot-thread-" + n));
        }
    }

    public ExecutorService forSlot(int slot) {
        return threads[slot % threads.length];
    }

    @Override
    public void close() {
        for (ExecutorService t : threads) {
            t.shutdown();
        }
        for (ExecutorService t : threads) {
            try {
                t.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
