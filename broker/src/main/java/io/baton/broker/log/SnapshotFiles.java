package io.baton.broker.log;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A slot's snapshot: one file {@code snapshot-<position, 20 digits>.snap} holding
 * {@code [magic][position:long][length:long][crc32c:int][bytes][trailer]}, where the trailer is
 * the log's own part: the next address the log will use, and the covered segments the snapshot
 * still needs for live message bodies ({@code [next address:long][count:int]
 * [first position:long][first address:long][size:long]... [crc32c of the trailer:int]}). It is
 * written as a stream under a temporary name (the header last, once length and checksum are
 * known), fsynced, renamed into place and the directory fsynced; only then is the previous one
 * deleted, so a crash at any point leaves at least one complete snapshot. Files of the first
 * format (an int length, no trailer) are still read.
 *
 * <p>An unreadable newest snapshot is damage, never a reason to fall back: the segments it
 * covered are gone, so an older snapshot would silently lose their records.
 *
 * <p>Threads: {@link #write} from the checkpointing thread; {@link #load} at open; reads from the
 * replaying thread.
 */
final class SnapshotFiles {
    /** "BSNP": a 20-byte header with an int length (read, never written). */
    private static final int MAGIC_V1 = 0x42534e50;
    /** "BSNQ": a 24-byte header with a long length. */
    private static final int MAGIC = 0x42534e51;
    private static final int HEADER = 24;

    private final Path dir;
    private final Disk disk;
    private volatile long position = -1;
    private volatile long bytes;
    private volatile Trailer trailer = new Trailer(0, List.of());

    /** The log's part of a snapshot: where its addresses go on, and the segments it still needs. */
    record Trailer(long nextAddress, List<SegmentFiles.Kept> kept) {}

    /** The current snapshot's trailer (nothing needed when there is no snapshot). */
    Trailer trailer() {
        return trailer;
    }

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
        Trailer t;
        try (Opened o = open(newest, pos)) {
            o.body.verify();
            t = o.readTrailer();
        }
        for (Path p : files) {
            if (p.getFileName().toString().endsWith(".snap") && !p.equals(newest)) {
                disk.delete(p);
            }
        }
        position = pos;
        bytes = Files.size(newest);
        trailer = t;
    }

    private static long positionOf(Path p) throws LogCorruptedException {
        String name = p.getFileName().toString();
        try {
            return Long.parseLong(name.substring("snapshot-".length(), name.length() - ".snap".length()));
        } catch (NumberFormatException e) {
            throw new LogCorruptedException(p + ": not a snapshot file name");
        }
    }

    private Path file(long pos) {
        return dir.resolve(String.format("snapshot-%020d.snap", pos));
    }

    /** An open snapshot file: its body as a checked stream, then its trailer. */
    private record Opened(Path path, FileChannel channel, InputStream raw, Checksummed.Input body, boolean hasTrailer)
            implements AutoCloseable {
        /** After the body: the trailer (an empty one for the first format). */
        Trailer readTrailer() throws IOException {
            if (!hasTrailer) {
                return new Trailer(0, List.of());
            }
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            DataInputStream in = new DataInputStream(new java.util.zip.CheckedInputStream(raw, crc));
            try {
                long next = in.readLong();
                int n = in.readInt();
                if (n < 0 || n > 1 << 24) {
                    throw new LogCorruptedException(path + ": damaged snapshot trailer");
                }
                List<SegmentFiles.Kept> kept = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    kept.add(new SegmentFiles.Kept(in.readLong(), in.readLong(), in.readLong(), -1));
                }
                int expected = (int) crc.getValue();
                if (new DataInputStream(raw).readInt() != expected) {
                    throw new LogCorruptedException(path + ": snapshot trailer fails its checksum");
                }
                return new Trailer(next, List.copyOf(kept));
            } catch (EOFException e) {
                throw new LogCorruptedException(path + ": snapshot trailer cut short");
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private Opened open(Path p, long expectedPosition) throws IOException {
        FileChannel ch = disk.open(p, StandardOpenOption.READ);
        try {
            InputStream raw = new BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
            DataInputStream in = new DataInputStream(raw);
            int magic = in.readInt();
            if (magic != MAGIC && magic != MAGIC_V1) {
                throw new LogCorruptedException(p + ": not a snapshot (bad magic number)");
            }
            long pos = in.readLong();
            long len = magic == MAGIC ? in.readLong() : in.readInt();
            int checksum = in.readInt();
            if (pos != expectedPosition || len < 0) {
                throw new LogCorruptedException(p + ": damaged snapshot header");
            }
            return new Opened(p, ch, raw, new Checksummed.Input(raw, len, checksum, p.toString()), magic == MAGIC);
        } catch (EOFException e) {
            ch.close();
            throw new LogCorruptedException(p + ": snapshot cut short");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Hands the current snapshot to {@code replayer} as a stream, then checks it whole: throws
     * {@link LogCorruptedException} if it turned out damaged.
     */
    void replay(SlotLog.Replayer replayer) throws IOException {
        long pos = position;
        if (pos < 0) {
            return;
        }
        try (Opened o = open(file(pos), pos)) {
            replayer.snapshot(pos, o.body);
            o.body.verify();
        }
    }

    /** Writes a snapshot's body. */
    interface Body {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /**
     * Writes the snapshot for {@code pos} durably, its trailer (asked for once the body is written)
     * after it, and makes it the current one; then deletes the previous one. Throws (leaving the
     * previous snapshot current) if any step fails.
     */
    void write(long pos, Body writer, java.util.function.Supplier<Trailer> trailerAfterBody) throws IOException {
        Path tmp = dir.resolve(String.format("snapshot-%020d.snap.tmp", pos));
        long size;
        Trailer written;
        try {
            try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ch.position(HEADER);
                BufferedOutputStream buffered = new BufferedOutputStream(
                        new WritebackPacer(Channels.newOutputStream(ch), WritebackPacer.CHUNK, () -> ch.force(false)), 1 << 16);
                Checksummed.Output body = new Checksummed.Output(buffered);
                writer.writeTo(body);
                body.flush();
                Trailer t = trailerAfterBody.get();
                java.io.ByteArrayOutputStream tb = new java.io.ByteArrayOutputStream(16 + 24 * t.kept().size());
                java.io.DataOutputStream td = new java.io.DataOutputStream(tb);
                td.writeLong(t.nextAddress());
                td.writeInt(t.kept().size());
                for (SegmentFiles.Kept k : t.kept()) {
                    td.writeLong(k.firstPosition());
                    td.writeLong(k.firstAddress());
                    td.writeLong(k.size());
                }
                java.util.zip.CRC32C tcrc = new java.util.zip.CRC32C();
                tcrc.update(tb.toByteArray());
                td.writeInt((int) tcrc.getValue());
                buffered.write(tb.toByteArray());
                buffered.flush();
                written = t;
                ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(MAGIC).putLong(pos).putLong(body.count())
                        .putInt(body.checksum()).flip();
                while (header.hasRemaining()) {
                    ch.write(header, header.position());
                }
                ch.force(true);
                size = ch.size();
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
        bytes = size;
        trailer = written;
        if (previous >= 0 && previous != pos) {
            disk.deleteGradually(file(previous));
        }
    }
}
