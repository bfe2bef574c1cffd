package io.baton.broker.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for every {@link FileSlotLog} of a broker. Appends only copy bytes into a log's
 * buffer and mark the log dirty; this thread takes every dirty log, writes each one's buffer with
 * one write call, fsyncs it, and hands the completed appends to a completion thread so the next
 * fsync can start at once. While one fsync runs, new appends pile up and ride the next one: one
 * fsync covers as many requests as arrived during the previous one, without a timer.
 */
public final class LogFlusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private final LinkedBlockingQueue<FileSlotLog> dirty = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final ExecutorService completions;
    private final FlushListener listener;
    private volatile boolean running = true;

    public LogFlusher(String name, FlushListener listener) {
        this.listener = listener;
        this.completions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-completions");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void schedule(FileSlotLog log) {
        dirty.add(log);
    }

    private void run() {
        List<FileSlotLog> batch = new ArrayList<>();
        while (running) {
            try {
                FileSlotLog first = dirty.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                dirty.drainTo(batch);
                for (FileSlotLog l : batch) {
                    flushOne(l);
                }
                batch.clear();
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
        completions.execute(f::complete);
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
        completions.shutdown();
        try {
            completions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
