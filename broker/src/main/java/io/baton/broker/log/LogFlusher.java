package io.baton.broker.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for every {@link FileSlotLog} of a broker, through the shared {@link Journal}.
 * Appends only copy bytes into a log's buffer and mark the log dirty; one thread takes every
 * dirty log's frames into the journal and fsyncs it once for all of them, then hands the frames
 * to the slot files (page cache only) and completes the appends inline. While one fsync runs, new
 * appends pile up and ride the next one: one fsync covers as many requests as arrived during the
 * previous one, without a timer.
 *
 * <p>A background thread fsyncs the slot files when the journal rolls to a new segment, then
 * deletes the older journal segments; it also fsyncs them whenever {@link #SLOT_FILE_SYNC_BYTES}
 * have been handed to them, so the kernel never holds seconds of slot-file writes to flush in one
 * burst ahead of the journal's fsync on the same disk.
 *
 * <p>Completions run on the thread that commits: replies are only handed to gRPC there (no
 * blocking work), and skipping a hand-off to another thread saves a context switch per request.
 * That thread is this flusher's own, or an event loop that appended and found no commit running
 * ({@link CommitBorrowing}); one commit runs at a time ({@link #commitLock}). The flusher's thread
 * also wakes every 100 ms and commits whatever waits, so a borrowed commit that an event loop is
 * slow to run (or never runs) delays appends by at most that. After a commit slower than
 * {@link #SLOW_COMMIT_NANOS}, commits stay on the flusher's thread until one is quick again.
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);
    /** A full or failing disk fails every commit: a full report at most every 10 s. Under {@link #commitLock}. */
    private final RepeatedFailures commitFailures = new RepeatedFailures(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));

    private final ConcurrentLinkedQueue<FileSlotLog> dirty = new ConcurrentLinkedQueue<>();
    /** Held for each group commit, by the flusher's thread or a borrowing one: the journal is written by one at a time. */
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Reused by each commit, under {@link #commitLock}. */
    private final List<FileSlotLog> batch = new ArrayList<>();
    private final List<FileSlotLog.Flushed> flushed = new ArrayList<>();
    /** Whether the flusher's thread is (about to be) parked: only then does a schedule unpark it. */
    private volatile boolean parked;
    /** When the journal write and fsync in progress started ({@link System#nanoTime}); {@link #NO_COMMIT}: none. */
    private volatile long commitStartedAt = NO_COMMIT;
    private static final long NO_COMMIT = Long.MIN_VALUE;
    /**
     * A commit that took longer than this keeps the next ones on the flusher's own thread until
     * one of those is quick again. An event loop that runs a commit serves none of its other
     * connections meanwhile: for a lone request's fsync of a fraction of a millisecond that costs
     * nothing, but a struggling disk's commits of tens or hundreds of milliseconds would stall
     * every connection of the loop that borrowed them (reads included), not only the appends.
     */
    static final long SLOW_COMMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Whether the last commit took longer than {@link #SLOW_COMMIT_NANOS}: no borrowing then. */
    private volatile boolean lastCommitSlow;
    /** A borrowed commit is queued on some event loop and has not started: later schedules ride it. */
    private final AtomicBoolean borrowedCommitQueued = new AtomicBoolean();
    private final Thread thread;
    private final FlushListener listener;
    private final Journal journal;
    private final Disk disk;
    private final ExecutorService background;
    private final Set<FileSlotLog> logs = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    /**
     * Bytes handed to slot files since they were last forced. Past {@link #SLOT_FILE_SYNC_BYTES}
     * the background thread forces them: such a burst of writeback queued ahead of the journal's
     * fsync on the same disk showed as 10-30 ms group commits. The threshold is a fraction of a
     * second of writes at full load; at an eighth of it, these forces (one fdatasync per busy
     * slot file, each a virtio round trip) cost an eighth of the broker's CPU with no gain in p99
     * (docs/BENCHMARKS.md, "Slot-file fsync interval"). Under {@link #commitLock}.
     */
    private long unsyncedSlotBytes;
    private final AtomicBoolean slotSyncRunning = new AtomicBoolean();
    static final long SLOT_FILE_SYNC_BYTES = 8L << 20;

    public LogFlusher(String name, Journal journal, FlushListener listener) {
        this(name, journal, listener, Disk.REAL);
    }

    public LogFlusher(String name, Journal journal, FlushListener listener, Disk disk) {
        this.listener = listener;
        this.journal = journal;
        this.disk = disk;
        this.background = Executors.newSingleThreadExecutor(io.baton.api.DaemonThreads.named(name + "-checkpoint"));
        this.thread = new Thread(this::run, name + "-0");
        thread.setDaemon(true);
        thread.start();
    }

    Journal journal() {
        return journal;
    }

    Disk disk() {
        return disk;
    }

    void register(FileSlotLog l) {
        logs.add(l);
    }

    void unregister(FileSlotLog l) {
        logs.remove(l);
    }

    /**
     * How long the journal's write and fsync in progress has been waiting for the disk; 0 when none
     * runs. Any thread. A disk that stops answering shows here, and nowhere else: its fsync
     * neither fails nor returns.
     */
    public long commitRunningNanos() {
        long started = commitStartedAt;
        return started == NO_COMMIT ? 0 : Math.max(0, System.nanoTime() - started);
    }

    /** Whether the flusher's thread is idle, waiting for work (tests wait for it before they borrow). */
    boolean idle() {
        return parked;
    }

    void schedule(FileSlotLog log) {
        dirty.add(log);
        // Borrowed only while the flusher's thread is idle and the disk quick: under load it
        // commits back to back, as it always did, and the event loops stay free for their
        // connections; so they do while the disk is slow.
        Executor borrower = parked && !lastCommitSlow ? CommitBorrowing.current() : null;
        if (borrower != null && borrowedCommitQueued.compareAndSet(false, true)) {
            try {
                borrower.execute(this::borrowedCommit);
                return;
            } catch (RuntimeException shuttingDown) {
                borrowedCommitQueued.set(false);
            }
        } else if (borrower != null) {
            return; // a borrowed commit already queued takes this log too
        }
        wake();
    }

    private void wake() {
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * A group commit run by the thread that appended, after the callbacks of its I/O round
     * ({@link CommitBorrowing}): when no commit is running it saves the two thread hand-offs of a
     * lone request (waking this flusher, and the flusher handing the reply back to the event loop).
     * When one is running, the flusher's own thread takes what is left once it ends.
     */
    private void borrowedCommit() {
        borrowedCommitQueued.set(false);
        if (!running) {
            return;
        }
        if (commitLock.tryLock()) {
            commitAndUnlock();
            // Appends made while this commit ran go to the flusher's thread, even when they queued
            // a borrowed commit of their own (which then finds little or nothing left).
            if (dirty.isEmpty()) {
                return;
            }
        }
        wake();
    }

    private void run() {
        while (running) {
            if (dirty.isEmpty()) {
                parked = true;
                if (dirty.isEmpty()) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                }
                parked = false;
                if (Thread.interrupted()) {
                    return;
                }
                continue;
            }
            // This commit takes what a queued borrowed commit would have: let the next append queue
            // another, so that a task an event loop dropped (shutting down) holds nothing up.
            borrowedCommitQueued.set(false);
            commitLock.lock();
            commitAndUnlock();
        }
    }

    /** Runs one group commit with {@link #commitLock} just taken, then lets go of the lock. */
    private void commitAndUnlock() {
        try {
            commitOnce();
        } catch (RuntimeException | Error e) {
            log.error("log flusher failed", e);
        } finally {
            commitLock.unlock();
        }
    }

    /** One group commit of every dirty log. Under {@link #commitLock}. */
    private void commitOnce() {
        List<FileSlotLog> batch = this.batch;
        List<FileSlotLog.Flushed> flushed = this.flushed;
        for (FileSlotLog l; (l = dirty.poll()) != null; ) {
            batch.add(l);
        }
        if (batch.isEmpty()) {
            return;
        }
        int records = 0;
        long bytes = 0;
        try {
            for (FileSlotLog l : batch) {
                FileSlotLog.Flushed f = l.flush();
                if (f != null) {
                    flushed.add(f);
                    records += f.records();
                    bytes += f.bytes();
                }
            }
        } finally {
            batch.clear();
        }
        Throwable error = null;
        boolean rolled = false;
        long t0 = System.nanoTime();
        long took = 0;
        commitStartedAt = t0;
        try {
            rolled = journal.commit();
        } catch (IOException | RuntimeException e) {
            error = e;
            long unlogged = commitFailures.failed(System.nanoTime());
            if (unlogged >= 0) {
                log.error("journal commit failed: its {} records are refused and their slots stop serving"
                        + " ({} more failed commits since the last report)", records, unlogged, e);
            }
            listener.failed(e);
        } finally {
            commitStartedAt = NO_COMMIT;
            took = System.nanoTime() - t0;
            lastCommitSlow = took > SLOW_COMMIT_NANOS;
        }
        if (records > 0 && error == null) {
            listener.flushed(took, records, bytes);
        }
        try {
            for (FileSlotLog.Flushed f : flushed) {
                if (error == null) {
                    f.committed();
                } else {
                    f.failed(error);
                }
            }
        } finally {
            flushed.clear();
        }
        if (error != null) {
            return;
        }
        unsyncedSlotBytes += bytes;
        if (rolled) {
            long keepFrom = journal.currentSequence();
            unsyncedSlotBytes = 0;
            background.execute(() -> trimJournal(keepFrom));
        } else if (unsyncedSlotBytes >= SLOT_FILE_SYNC_BYTES && slotSyncRunning.compareAndSet(false, true)) {
            unsyncedSlotBytes = 0;
            background.execute(this::syncSlotFiles);
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
     * handed to its slot files before the roll, so fsyncing the slot files makes the earlier
     * segments redundant.
     */
    private void trimJournal(long keepFrom) {
        if (!forceSlotFiles()) {
            log.warn("journal trim skipped: old journal segments stay until every slot file is forced");
            return;
        }
        try {
            journal.deleteBefore(keepFrom);
        } catch (IOException | RuntimeException e) {
            log.warn("journal trim failed; old journal segments stay until the next one", e);
        }
    }

    /** Forces every slot file with unforced writes; false if any could not be (its slot stops). */
    private boolean forceSlotFiles() {
        boolean all = true;
        for (FileSlotLog l : logs) {
            try {
                l.forceToDisk();
            } catch (IOException | RuntimeException e) {
                all = false;
            }
        }
        return all;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        background.shutdown();
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commitLock.lock(); // a borrowed commit still running ends first
        try {
            journal.close();
        } finally {
            commitLock.unlock();
        }
    }
}
