package io.baton.broker.runtime;

import io.baton.api.DaemonThreads;
import io.baton.broker.quota.ProjectQuotas;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What every slot of a broker shares: the admission of growing writes, the projects' quotas, the
 * cache of recent bodies, the threads that read bodies back from the slots' logs (blocking I/O,
 * kept off the slot lanes), the record of how far each slot may issue ids, and the threads for
 * timers, checkpoints and log closes. The broker owns them and closes the threads when it stops.
 */
public record SlotResources(Admission admission, ProjectQuotas quotas, BodyCache cache, ExecutorService bodyReaders,
                            SeqReservations ids, SlotExecutors executors) implements AutoCloseable {
    /** With threads of their own for timers, checkpoints and log closes. */
    public SlotResources(Admission admission, ProjectQuotas quotas, BodyCache cache, ExecutorService bodyReaders, SeqReservations ids) {
        this(admission, quotas, cache, bodyReaders, ids, new SlotExecutors());
    }

    /** Reads at most this many bodies' worth of tasks at once per reader; past that a read is refused. */
    static final int READS_QUEUED = 10_000;

    /** The pool that reads bodies back from the logs: a few threads, a bounded queue. */
    public static ExecutorService bodyReaderPool(int threads) {
        return new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(READS_QUEUED),
                DaemonThreads.named("slot-body-reader"));
    }

    /** No limits, no cache, two readers (tests and tools; close it). */
    public static SlotResources unlimited() {
        return new SlotResources(Admission.unlimited(), ProjectQuotas.none(), new BodyCache(0, 1), bodyReaderPool(2),
                SeqReservations.NONE);
    }

    @Override
    public void close() {
        executors.close();
        bodyReaders.shutdown();
        try {
            bodyReaders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
