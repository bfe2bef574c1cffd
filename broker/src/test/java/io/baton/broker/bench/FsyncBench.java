package io.baton.broker.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.HdrHistogram.Histogram;

/**
 * The disk's floor for one durable record, under any durable write and beside a one-job-at-a-time
 * publish: writes of RECORD bytes one after another into a new file in DIR, each followed by
 * {@code fdatasync} ({@code force(false)}), one at a time for SECONDS, as a write-ahead log that
 * commits every record alone would. Mode {@code append} grows the file with each write (so each
 * fsync also commits the file system's metadata); {@code overwrite} first writes 64 MiB of zeros
 * and fsyncs them, then writes over them (the data alone). Prints p50/p99/p99.9 of write + fsync.
 * The file is deleted at the end.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.broker.bench.FsyncBench /work/tmp 5 300 append"}.
 */
public final class FsyncBench {
    public static void main(String[] args) throws Exception {
        measure(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), "overwrite".equals(args[3]));
    }

    /** Measures and prints the floor in {@code dir}; returns write + fsync times in microseconds. */
    static Histogram measure(Path dir, int seconds, int recordBytes, boolean overwrite) throws IOException {
        Path file = Files.createTempFile(dir, "fsync-probe", ".bin");
        Histogram micros = new Histogram(3);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (overwrite) {
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (int i = 0; i < 64; i++) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        ch.write(zeros);
                    }
                }
                ch.force(true);
                ch.position(0);
            }
            byte[] record = new byte[recordBytes];
            java.util.Arrays.fill(record, (byte) 'x');
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                ByteBuffer b = ByteBuffer.wrap(record);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(false);
                micros.recordValue((System.nanoTime() - t0) / 1000);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.out.printf("fsync (%s): %d B writes, one fdatasync each: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms over %d"
                        + " => at most %.0f sequential durable writes/s%n",
                overwrite ? "over zeroed space" : "growing the file", recordBytes, micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0, micros.getValueAtPercentile(99.9) / 1000.0, micros.getTotalCount(),
                1e6 / Math.max(1, micros.getValueAtPercentile(50)));
        return micros;
    }
}
