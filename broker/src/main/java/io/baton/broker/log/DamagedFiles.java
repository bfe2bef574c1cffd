package io.baton.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the log puts bytes it will not use again but must not destroy: the cut tail of a segment
 * or journal file, segments after a cut. They go to a {@code damaged} directory beside the data,
 * named after the file they came from, the byte they started at and the time, for an operator to
 * inspect; the log never reads them again.
 */
final class DamagedFiles {
    private static final Logger log = LoggerFactory.getLogger(DamagedFiles.class);

    private DamagedFiles() {}

    private static Path target(Path file, String suffix) throws IOException {
        Path dir = file.getParent().resolve("damaged");
        Files.createDirectories(dir);
        return dir.resolve(file.getFileName() + suffix + "." + System.currentTimeMillis());
    }

    /** Moves a whole file aside. */
    static Path moveAside(Disk disk, Path file, String why) throws IOException {
        Path to = target(file, "");
        disk.move(file, to);
        disk.forceDirectory(file.getParent());
        log.warn("moved {} aside to {}: {}", file, to, why);
        return to;
    }

    /**
     * Copies bytes {@code [from, end)} of {@code file} aside, makes the copy durable, then cuts the
     * file at {@code from} and makes that durable.
     */
    static void cutTail(Disk disk, Path file, long from, String why) throws IOException {
        Path to = target(file, ".from-" + from);
        try (FileChannel src = disk.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel dst = disk.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = src.size();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            for (long at = from; at < size; ) {
                buf.clear();
                int n = src.read(buf, at);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    dst.write(buf);
                }
                at += n;
            }
            dst.force(true);
            disk.forceDirectory(to.getParent());
            src.truncate(from);
            src.force(true);
            log.warn("cut {} at byte {} ({} bytes kept aside in {}): {}", file, from, size - from, to, why);
        }
    }
}
