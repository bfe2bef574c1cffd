package io.baton.broker.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for every {@link FileSlotLog} of a broker. Appends only copy bytes into a log's
 * buffer and mark the log dirty; the flusher takes dirty logs, writes each one's buffer with one
 * write call, makes it durable, and completes the appends it covered. While one fsync runs, new
 * appends pile up and ride the next one: one fsync covers as many requests as arrived during the
 * previous one, without a timer.
 *
 * <p>Two modes:
 * <ul>
 *   <li><b>Journal</b> (the broker's default): one thread. Each cycle copies every dirty slot log's
 *       frames into the shared {@link Journal} and fsyncs the journal once: a single fsync for
 *       all slots. The slot files get the same frames in batches (page cache only; see
 *       {@link FileSlotLog}). When the journal rolls to a
 *       new segment, a background thread fsyncs the slot files and deletes the older journal
 *       segments.</li>
 *   <li><b>Per file</b>: several threads, each fsyncing one slot's file; fsyncs of different
 *       files overlap. A log is flushed by one thread at a time ({@link FileSlotLog#flush()} keeps
 *       it scheduled until done), which keeps its bytes in order.</li>
 * </ul>
 *
 * <p>Completions run on the flusher thread: replies are only handed to gRPC there (no blocking
 * work), and skipping a hand-off to another thread saves a context switch per request.
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    /** Per-file mode: enough threads that every busy slot can have its fsync in flight. */
    public static final int DEFAULT_THREADS = 16;

    private final LinkedBlockingQueue<FileSlotLog> dirty = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final FlushListener listener;
    private final Journal journal;
    private final ExecutorService checkpointer;
    private final Set<FileSlotLog> logs = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    /**
     * Journal mode: bytes handed to slot files (written, or held by a log for its next batch) since
     * the slot files were last forced. Past {@link #SLOT_FILE_SYNC_BYTES} the checkpointer writes
     * out what is held and forces them, so the page cache never holds
     * seconds of slot-file writes for the kernel to flush in one burst: such a burst queues ahead
     * of the journal's fsync on the same disk and showed as 10-30 ms group commits. 8 MiB is a
     * fraction of a second of writes at full load; at 1 MiB these forces were an eighth of the
     * broker's CPU under POST load (one fdatasync per busy slot file each time, each a virtio
     * round trip) with no gain in p99 (BENCHMARKS.md, "Session 9"). Journal thread only.
     */
    private long unsyncedSlotBytes;
    private final AtomicBoolean slotSyncRunning = new AtomicBoolean();
    static final long SLOT_FILE_SYNC_BYTES = 8L << 20;

    /** Per-file mode with {@link #DEFAULT_THREADS} threads. */
    public LogFlusher(String name, FlushListener listener) {
        this(name, DEFAULT_THREADS, listener);
    }

    /** Per-file mode. */
    public LogFlusher(String name, int threadCount, FlushListener listener) {
        this(name, threadCount, null, listener);
    }

    /** Journal mode: one thread, one fsync per cycle for all slots. */
    public LogFlusher(String name, Journal journal, FlushListener listener) {
        this(name, 1, journal, listener);
    }

    private LogFlusher(String name, int threadCount, Journal journal, FlushListener listener) {
        this.listener = listener;
        this.journal = journal;
        this.checkpointer = journal == null ? null : Executors.newSingleThreadExecutor(io.baton.api.DaemonThreads.named(name + "-checkpoint"));
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(journal == null ? this::runPerFile : this::runJournal, name + "-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** The shared journal, or null in per-file mode. */
    Journal journal() {
        return journal;
    }

    void register(FileSlotLog l) {
        logs.add(l);
    }

    void unregister(FileSlotLog l) {
        logs.remove(l);
    }

    void schedule(FileSlotLog log) {
        dirty.add(log);
    }

    private void runPerFile() {
        while (running) {
            try {
                FileSlotLog l = dirty.poll(100, TimeUnit.MILLISECONDS);
                if (l != null) {
                    FileSlotLog.Flushed f = l.flush();
                    if (f != null) {
                        listener.flushed(f.fsyncNanos(), f.records(), f.bytes());
                        f.complete();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                log.error("log flusher failed", e);
            }
        }
    }

    private void runJournal() {
        List<FileSlotLog> batch = new ArrayList<>();
        List<FileSlotLog.Flushed> flushed = new ArrayList<>();
        while (running) {
            try {
                FileSlotLog first = dirty.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                dirty.drainTo(batch);
                int records = 0;
                long bytes = 0;
                for (FileSlotLog l : batch) {
                    FileSlotLog.Flushed f = l.flush();
                    if (f != null) {
                        flushed.add(f);
                        records += f.records();
                        bytes += f.bytes();
                    }
                }
                batch.clear();
                Throwable error = null;
                boolean rolled = false;
                long t0 = System.nanoTime();
                try {
                    rolled = journal.commit();
                } catch (IOException | RuntimeException e) {
                    error = e;
                    log.error("journal commit failed; every slot with records in it stops serving", e);
                }
                if (records > 0 && error == null) {
                    listener.flushed(System.nanoTime() - t0, records, bytes);
                }
                for (FileSlotLog.Flushed f : flushed) {
                    f.complete(error);
                }
                flushed.clear();
                unsyncedSlotBytes += bytes;
                if (rolled) {
                    long keepFrom = journal.currentSequence();
                    unsyncedSlotBytes = 0;
                    checkpointer.execute(() -> checkpointSlotFiles(keepFrom));
                } else if (unsyncedSlotBytes >= SLOT_FILE_SYNC_BYTES && slotSyncRunning.compareAndSet(false, true)) {
                    unsyncedSlotBytes = 0;
                    checkpointer.execute(this::syncSlotFiles);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                log.error("log flusher failed", e);
            }
        }
    }

    /** Forces the slot files written since the last time (the journal keeps every segment). */
    private void syncSlotFiles() {
        try {
            forceSlotFiles();
        } finally {
            slotSyncRunning.set(false);
        }
    }

    /**
     * After the journal rolled to segment {@code keepFrom}: every record in earlier segments was
     * written to its slot file before it was added to the journal, so fsyncing the slot files
     * makes the earlier segments redundant.
     */
    private void checkpointSlotFiles(long keepFrom) {
        if (!forceSlotFiles()) {
            log.warn("journal checkpoint skipped: old journal segments stay until every slot file is forced");
            return;
        }
        try {
            journal.deleteBefore(keepFrom);
        } catch (IOException | RuntimeException e) {
            log.warn("journal checkpoint failed; old journal segments stay until the next one", e);
        }
    }

    /** Forces every slot file with unforced writes; false if any could not be (it stays unforced). */
    private boolean forceSlotFiles() {
        boolean all = true;
        for (FileSlotLog l : logs) {
            try {
                l.forceToDisk();
            } catch (IOException | RuntimeException e) {
                all = false;
                log.warn("forcing a slot file failed; the journal keeps its records", e);
            }
        }
        return all;
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            t.interrupt();
        }
        try {
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpointer != null) {
            checkpointer.shutdown();
            try {
                checkpointer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            journal.close();
        }
    }
}
