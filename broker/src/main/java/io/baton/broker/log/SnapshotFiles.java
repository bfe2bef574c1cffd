package io.baton.broker.log;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A slot's snapshot: one file {@code snapshot-<position, 20 digits>.snap} holding
 * {@code [magic][position][length][crc32c][bytes]}. A new one is written under a temporary name,
 * fsynced, renamed into place and the directory fsynced; only then is the previous one deleted,
 * so a crash at any point leaves at least one complete snapshot.
 *
 * <p>An unreadable newest snapshot is damage, never a reason to fall back: the segments it
 * covered are gone, so an older snapshot would silently lose their records.
 *
 * <p>Threads: {@link #write} from the checkpointing thread; the rest under the owning log's lock.
 */
final class SnapshotFiles {
    private static final int MAGIC = 0x42534e50;
    private static final int HEADER = 20;

    private final Path dir;
    private final Disk disk;
    private volatile long position = -1;
    private volatile long bytes;

    SnapshotFiles(Path dir, Disk disk) {
        this.dir = dir;
        this.disk = disk;
    }

    /** Position of the current snapshot, or -1 when there is none. */
    long position() {
        return position;
    }

    /** Bytes the current snapshot occupies on disk. */
    long bytes() {
        return position < 0 ? 0 : bytes;
    }

    /**
     * Finds and checks the newest snapshot. Leftover temporary files (a checkpoint that never
     * completed) and older snapshots (superseded, left by a crash before their deletion) are
     * removed; a damaged newest snapshot is left where it is and refused.
     */
    void load() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("snapshot-")).sorted().toList();
        }
        Path newest = null;
        for (Path p : files) {
            String name = p.getFileName().toString();
            if (name.endsWith(".snap.tmp")) {
                disk.delete(p);
            } else if (name.endsWith(".snap")) {
                newest = p;
            }
        }
        if (newest == null) {
            return;
        }
        long pos = positionOf(newest);
        byte[] data = readChecked(newest, pos);
        for (Path p : files) {
            if (p.getFileName().toString().endsWith(".snap") && !p.equals(newest)) {
                disk.delete(p);
            }
        }
        position = pos;
        bytes = HEADER + data.length;
    }

    /** The current snapshot's bytes, checked again. */
    byte[] read() throws IOException {
        long pos = position;
        return pos < 0 ? null : readChecked(file(pos), pos);
    }

    private static long positionOf(Path p) throws LogCorruptedException {
        String name = p.getFileName().toString();
        try {
            return Long.parseLong(name.substring("snapshot-".length(), name.length() - ".snap".length()));
        } catch (NumberFormatException e) {
            throw new LogCorruptedException(p + ": not a snapshot file name");
        }
    }

    private byte[] readChecked(Path p, long expectedPosition) throws IOException {
        try (FileChannel ch = disk.open(p, StandardOpenOption.READ);
             DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new LogCorruptedException(p + ": not a snapshot (bad magic number)");
            }
            long pos = in.readLong();
            int len = in.readInt();
            int checksum = in.readInt();
            if (pos != expectedPosition || len < 0) {
                throw new LogCorruptedException(p + ": damaged snapshot header");
            }
            byte[] data = new byte[len];
            in.readFully(data);
            CRC32C crc = new CRC32C();
            crc.update(data);
            if ((int) crc.getValue() != checksum) {
                throw new LogCorruptedException(p + ": snapshot fails its checksum");
            }
            return data;
        } catch (EOFException e) {
            throw new LogCorruptedException(p + ": snapshot cut short");
        }
    }

    private Path file(long pos) {
        return dir.resolve(String.format("snapshot-%020d.snap", pos));
    }

    /**
     * Writes the snapshot for {@code pos} durably and makes it the current one; then deletes the
     * previous one. Throws (leaving the previous snapshot current) if any step fails.
     */
    void write(long pos, byte[] snapshot) throws IOException {
        Path tmp = dir.resolve(String.format("snapshot-%020d.snap.tmp", pos));
        CRC32C crc = new CRC32C();
        crc.update(snapshot);
        try {
            try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(MAGIC).putLong(pos)
                        .putInt(snapshot.length).putInt((int) crc.getValue()).flip();
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                ByteBuffer body = ByteBuffer.wrap(snapshot);
                while (body.hasRemaining()) {
                    ch.write(body);
                }
                ch.force(true);
            }
            disk.move(tmp, file(pos));
            disk.forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                disk.delete(tmp);
            } catch (IOException ignored) {
                // removed at the next load
            }
            throw e;
        }
        long previous = position;
        position = pos;
        bytes = HEADER + snapshot.length;
        if (previous >= 0 && previous != pos) {
            disk.delete(file(previous));
        }
    }
}
