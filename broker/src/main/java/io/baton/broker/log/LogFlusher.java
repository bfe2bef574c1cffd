package io.baton.broker.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for every {@link FileSlotLog} of a broker. Appends only copy bytes into a log's
 * buffer and mark the log dirty; a flusher thread takes a dirty log, writes its buffer with one
 * write call, fsyncs it, and completes the appends it covered. While one fsync runs, new appends
 * pile up and ride the next one: one fsync covers as many requests as arrived during the previous
 * one, without a timer.
 *
 * <p>Several flusher threads work at once, each on a different log: fsyncs of different files
 * then overlap (the file system commits them together) instead of queueing behind each other, so
 * a request waits for about one fsync however many slots are busy. A log is flushed by one thread
 * at a time ({@link FileSlotLog#flush()} keeps it scheduled until done), which keeps its bytes in
 * order. Completions run on the flusher thread itself: replies are only handed to gRPC there (no
 * blocking work), and skipping a hand-off to another thread saves a context switch per request.
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private final LinkedBlockingQueue<FileSlotLog> dirty = new LinkedBlockingQueue<>();
    /** Enough threads that every busy slot of a loaded broker can have its fsync in flight. */
    public static final int DEFAULT_THREADS = 16;

    private final List<Thread> threads = new ArrayList<>();
    private final FlushListener listener;
    private volatile boolean running = true;

    public LogFlusher(String name, FlushListener listener) {
        this(name, DEFAULT_THREADS, listener);
    }

    public LogFlusher(String name, int threadCount, FlushListener listener) {
        this.listener = listener;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::run, name + "-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    void schedule(FileSlotLog log) {
        dirty.add(log);
    }

    private void run() {
        while (running) {
            try {
                FileSlotLog l = dirty.poll(100, TimeUnit.MILLISECONDS);
                if (l != null) {
                    flushOne(l);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                log.error("log flusher failed", e);
            }
        }
    }

    private void flushOne(FileSlotLog l) {
        FileSlotLog.Flushed f = l.flush();
        if (f == null) {
            return;
        }
        listener.flushed(f.fsyncNanos(), f.records(), f.bytes());
        f.complete();
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
    }
}
