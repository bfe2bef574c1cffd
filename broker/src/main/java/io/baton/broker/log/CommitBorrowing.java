package io.baton.broker.log;

import java.util.concurrent.Executor;

/**
 * Lets a thread that appends run the journal's group commit itself instead of waking the
 * flusher's thread: an event loop, whose tasks run after the callbacks of its I/O round, so the
 * commit it queues takes every append that round made. A lone request then costs no thread
 * hand-off on its way to the disk and back: the event loop commits, completes the append and
 * writes the reply itself.
 *
 * <p>Only threads that say so ({@link #allow}) borrow: the broker's gRPC event loops over file
 * logs, for the length of each callback into a service. A commit blocks its thread for an fsync,
 * so it is borrowed only while the flusher's thread is idle (under load that thread commits back
 * to back and the loops stay free), at most one is queued at a time, and one that finds a commit
 * running leaves the work to the flusher's thread ({@link LogFlusher}).
 */
public final class CommitBorrowing {
    private static final ThreadLocal<Executor> AFTER_CALLBACKS = new ThreadLocal<>();

    private CommitBorrowing() {}

    /**
     * From now on this thread's appends queue their commit on {@code afterCallbacks} (null: they
     * wake the flusher, as every other thread's do). Returns the previous setting, to restore.
     */
    public static Executor allow(Executor afterCallbacks) {
        Executor previous = AFTER_CALLBACKS.get();
        AFTER_CALLBACKS.set(afterCallbacks);
        return previous;
    }

    static Executor current() {
        return AFTER_CALLBACKS.get();
    }
}
