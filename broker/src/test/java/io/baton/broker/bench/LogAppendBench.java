package io.baton.broker.bench;

import io.baton.broker.log.FileSlotLog;
import io.baton.broker.log.LogFlusher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.io.FileUtils;

/**
 * Durable appends: W writer threads each append a 300-byte record and wait for its fsync before
 * the next one, for D seconds, on one {@link FileSlotLog}. Also measures this disk's fsync latency
 * (4 KiB write + fdatasync, sequential: {@link FsyncBench}), the floor under any durable write.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.broker.bench.LogAppendBench 64 10 /work/tmp"}
 * (writers, seconds, directory on the disk to measure).
 */
public final class LogAppendBench {
    public static void main(String[] args) throws Exception {
        int writers = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path base = Files.createDirectories(Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(base, "logbench");
        try {
            FsyncBench.measure(dir, 5, 4096, false);
            for (int slots : new int[] {1, 16}) {
                run(dir.resolve("journal-" + slots), writers, 1, seconds, slots);
            }
            // Writers that keep several appends in flight (as a broker's many connections do).
            run(dir.resolve("journal-pipelined"), writers, 32, seconds, 16);
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    /**
     * {@code writers} threads, each appending 300 B records to one of {@code slots} logs with up to
     * {@code inFlight} appends awaiting their acknowledgement (1: wait for each before the next).
     */
    private static void run(Path dir, int writers, int inFlight, int seconds, int slots) throws Exception {
        AtomicLong batches = new AtomicLong();
        AtomicLong records = new AtomicLong();
        io.baton.broker.log.FlushListener counting = (nanos, n, bytes) -> {
            batches.incrementAndGet();
            records.addAndGet(n);
        };
        LogFlusher flusher = new LogFlusher("bench-flusher", io.baton.broker.log.Journal.open(dir.resolve("journal"),
                io.baton.broker.log.Journal.DEFAULT_SEGMENT_BYTES), counting);
        FileSlotLog[] logs = new FileSlotLog[slots];
        try {
            for (int s = 0; s < slots; s++) {
                logs[s] = FileSlotLog.open(dir.resolve("slot-" + s), s, flusher, FileSlotLog.DEFAULT_SEGMENT_BYTES);
            }
            byte[] record = new byte[300];
            LongAdder done = new LongAdder();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            Thread[] threads = new Thread[writers];
            for (int w = 0; w < writers; w++) {
                FileSlotLog log = logs[w % slots];
                threads[w] = new Thread(() -> {
                    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(inFlight);
                    while (System.nanoTime() < end) {
                        window.acquireUninterruptibly();
                        log.append(record).whenComplete((p, e) -> {
                            if (e == null) {
                                done.increment();
                            }
                            window.release();
                        });
                    }
                    window.acquireUninterruptibly(inFlight);
                });
            }
            long t0 = System.nanoTime();
            for (Thread t : threads) {
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("durable appends, %d slots, %d writers x %d in flight x 300 B: %.0f appends/s (%d in %.1f s), %d fsyncs, %.1f records per fsync%n",
                    slots, writers, inFlight, done.sum() / secs, done.sum(), secs,
                    batches.get(), records.get() / (double) Math.max(1, batches.get()));
        } finally {
            for (FileSlotLog l : logs) {
                if (l != null) {
                    l.close();
                }
            }
            flusher.close();
        }
    }
}
