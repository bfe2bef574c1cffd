package io.baton.broker.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The disk's floor for one durable record, under any durable write and beside a one-job-at-a-time
 * publish: writes of RECORD bytes one after another into a new file in DIR, each followed by
 * {@code fdatasync} ({@code force(false)}), one at a time for SECONDS, as a write-ahead log that
 * commits every record alone would. Mode {@code append} grows the file with each write (so each
 * fsync also commits the file system's metadata); {@code overwrite} first writes 64 MiB of zeros
 * and fsyncs them, then writes over them (the data alone). Prints p50/p99/p99.9 of write + fsync.
 * The files are deleted at the end.
 *
 * <p>With THREADS (default 1), that many threads do the same at once, each waiting for its own
 * fsync: into one file ({@code same}, each at its own offsets) or into a file each ({@code own}).
 * That is what two commits in flight at once would get from the disk: a second fsync that starts
 * while the first runs, instead of waiting for it.
 *
 * <p>With {@code -Dfsync.pause.us=N}, one writer sleeps N microseconds before each write (not
 * timed), as a broker serving one caller at a time is idle between its fsyncs for the caller's
 * round trip; on a VM the disk's next answer can take longer after such a pause.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.broker.bench.FsyncBench /work/tmp 5 300 overwrite [THREADS same|own]"}.
 */
public final class FsyncBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int recordBytes = Integer.parseInt(args[2]);
        boolean overwrite = "overwrite".equals(args[3]);
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        if (threads == 1) {
            measure(dir, seconds, recordBytes, overwrite);
        } else {
            measureConcurrent(dir, seconds, recordBytes, overwrite, threads, args.length > 5 && "own".equals(args[5]));
        }
    }

    /** Measures and prints the floor in {@code dir}; returns write + fsync times in microseconds. */
    static Histogram measure(Path dir, int seconds, int recordBytes, boolean overwrite) throws IOException {
        Path file = Files.createTempFile(dir, "fsync-probe", ".bin");
        Histogram micros = new Histogram(3);
        long pause = Long.getLong("fsync.pause.us", 0);
        try (FileChannel ch = open(file, overwrite)) {
            byte[] record = record(recordBytes);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long position = 0;
            long pauseNanos = pause * 1000;
            while (System.nanoTime() < end) {
                if (pauseNanos > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
                }
                long t0 = System.nanoTime();
                position = writeAndSync(ch, record, position);
                micros.recordValue((System.nanoTime() - t0) / 1000);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.out.printf("fsync (%s%s): %d B writes, one fdatasync each: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms over %d"
                        + " => at most %.0f sequential durable writes/s%n",
                overwrite ? "over zeroed space" : "growing the file", pause > 0 ? ", " + pause + " us pause before each" : "",
                recordBytes, micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getValueAtPercentile(99.9) / 1000.0, micros.getTotalCount(),
                1e6 / Math.max(1, micros.getValueAtPercentile(50)));
        return micros;
    }

    /** {@code threads} writers at once, into one file or a file each; prints their fsyncs/s and latency. */
    static void measureConcurrent(Path dir, int seconds, int recordBytes, boolean overwrite, int threads, boolean ownFiles)
            throws Exception {
        List<Path> files = new ArrayList<>();
        List<FileChannel> channels = new ArrayList<>();
        try {
            for (int t = 0; t < (ownFiles ? threads : 1); t++) {
                Path file = Files.createTempFile(dir, "fsync-probe", ".bin");
                files.add(file);
                channels.add(open(file, overwrite));
            }
            Histogram[] micros = new Histogram[threads];
            Thread[] writers = new Thread[threads];
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int t = 0; t < threads; t++) {
                int id = t;
                micros[t] = new Histogram(3);
                FileChannel ch = channels.get(ownFiles ? t : 0);
                writers[t] = new Thread(() -> {
                    byte[] record = record(recordBytes);
                    // In one file, each writer takes every threads-th block of 4 KiB: no two share a page.
                    long position = ownFiles ? 0 : id * 4096L;
                    try {
                        while (System.nanoTime() < end) {
                            long t0 = System.nanoTime();
                            writeAndSync(ch, record, position);
                            position += ownFiles ? 4096 : threads * 4096L;
                            micros[id].recordValue((System.nanoTime() - t0) / 1000);
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, "fsync-" + t);
                writers[t].start();
            }
            Histogram all = new Histogram(3);
            for (int t = 0; t < threads; t++) {
                writers[t].join();
                all.add(micros[t]);
            }
            System.out.printf("fsync (%s, %d writers, %s): %d B writes, one fdatasync each: p50 %.3f ms, p99 %.3f ms,"
                            + " %.0f durable writes/s in all%n",
                    overwrite ? "over zeroed space" : "growing the file", threads, ownFiles ? "a file each" : "one file",
                    recordBytes, all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                    all.getTotalCount() / (double) seconds);
        } finally {
            for (FileChannel ch : channels) {
                ch.close();
            }
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Opens {@code file} for writing; for {@code overwrite}, with 64 MiB of zeros written and synced first. */
    private static FileChannel open(Path file, boolean overwrite) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
        if (overwrite) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (int i = 0; i < 64; i++) {
                zeros.clear();
                while (zeros.hasRemaining()) {
                    ch.write(zeros);
                }
            }
            ch.force(true);
        }
        return ch;
    }

    private static byte[] record(int bytes) {
        byte[] record = new byte[bytes];
        java.util.Arrays.fill(record, (byte) 'x');
        return record;
    }

    /** Writes {@code record} at {@code position} (wrapping within the zeroed 64 MiB) and fdatasyncs; returns the next position. */
    private static long writeAndSync(FileChannel ch, byte[] record, long position) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(record);
        long at = position % (60L << 20);
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
        ch.force(false);
        return position + record.length;
    }
}
