package io.baton.broker.bench;

import io.baton.broker.log.FileSlotLog;
import io.baton.broker.log.FlushListener;
import io.baton.broker.log.Journal;
import io.baton.broker.log.LogFlusher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;

/**
 * What a checkpoint costs the durable appends of other slots on the same disk: appends of 2,700 B
 * (a post of ten 256 B messages) at a steady rate spread over 16 slot logs, first alone, then while
 * one slot after another writes a snapshot of S MiB every two seconds. Prints the appends' latency
 * until durable (p50, p99, p99.9, max) in both phases, and how long the snapshots took.
 *
 * <p>Run: {@code java -cp broker/target/test-classes:broker/target/classes:<test classpath>
 * io.baton.broker.bench.SnapshotInterferenceBench [appends/s] [seconds] [snapshot MiB] [dir]}.
 */
public final class SnapshotInterferenceBench {
    private static final int SLOTS = 16;

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 4_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int snapshotMiB = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path base = Files.createDirectories(Path.of(args.length > 3 ? args[3] : System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(base, "snapbench");
        LogFlusher flusher = new LogFlusher("bench-flusher", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                FlushListener.NONE);
        FileSlotLog[] logs = new FileSlotLog[SLOTS];
        try {
            for (int s = 0; s < SLOTS; s++) {
                logs[s] = FileSlotLog.open(dir.resolve("slot-" + s), s, flusher, FileSlotLog.DEFAULT_SEGMENT_BYTES);
            }
            phase("warm-up", logs, rate, 5, 0);
            phase("appends alone", logs, rate, seconds, 0);
            phase("with a " + snapshotMiB + " MiB snapshot every 2 s", logs, rate, seconds, snapshotMiB);
            phase("appends alone", logs, rate, seconds, 0);
            phase("with a " + snapshotMiB + " MiB snapshot every 2 s", logs, rate, seconds, snapshotMiB);
        } finally {
            for (FileSlotLog l : logs) {
                if (l != null) {
                    l.close();
                }
            }
            flusher.close();
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static void phase(String name, FileSlotLog[] logs, int rate, int seconds, int snapshotMiB) throws Exception {
        long[] latencies = new long[rate * seconds + 1];
        int[] count = {0};
        byte[] record = new byte[2_700];
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        List<Long> snapshotNanos = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread checkpointer = null;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        if (snapshotMiB > 0) {
            checkpointer = new Thread(() -> {
                byte[] chunk = new byte[1 << 16];
                new java.util.Random(1).nextBytes(chunk);
                int slot = 0;
                while (System.nanoTime() < end - 2_000_000_000L) {
                    FileSlotLog log = logs[slot++ % SLOTS];
                    long t0 = System.nanoTime();
                    try {
                        log.checkpoint(log.lastPosition(), (out, live) -> {
                            for (long written = 0; written < (long) snapshotMiB << 20; written += chunk.length) {
                                out.write(chunk);
                            }
                        });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    snapshotNanos.add(System.nanoTime() - t0);
                    long sleep = 2_000_000_000L - (System.nanoTime() - t0);
                    if (sleep > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(sleep);
                    }
                }
            }, "bench-checkpointer");
            checkpointer.start();
        }
        // A tick every millisecond issues the appends due since the last one: an open-loop load.
        long start = System.nanoTime();
        long[] issued = {0};
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        pacer.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            long due = Math.min((long) rate * seconds, (now - start) * rate / 1_000_000_000L);
            for (; issued[0] < due; issued[0]++) {
                FileSlotLog log = logs[(int) (issued[0] % SLOTS)];
                long t0 = System.nanoTime();
                log.append(record).whenComplete((p, e) -> {
                    if (e != null) {
                        errors.add(e);
                        return;
                    }
                    long took = System.nanoTime() - t0;
                    synchronized (latencies) {
                        if (count[0] < latencies.length) {
                            latencies[count[0]++] = took;
                        }
                    }
                });
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        Thread.sleep(seconds * 1000L);
        pacer.shutdown();
        pacer.awaitTermination(10, TimeUnit.SECONDS);
        for (FileSlotLog l : logs) {
            l.sync().get(30, TimeUnit.SECONDS);
        }
        if (checkpointer != null) {
            checkpointer.join();
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("appends failed", errors.peek());
        }
        long[] sorted;
        synchronized (latencies) {
            sorted = Arrays.copyOf(latencies, count[0]);
        }
        Arrays.sort(sorted);
        int n = sorted.length;
        String snapshots = snapshotNanos.isEmpty() ? "" : String.format("; %d snapshots, %.0f-%.0f ms each", snapshotNanos.size(),
                snapshotNanos.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6,
                snapshotNanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
        System.out.printf("%-36s %,d appends: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%s%n", name, n,
                sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6, sorted[(int) (n * 0.999)] / 1e6, sorted[n - 1] / 1e6, snapshots);
    }
}
