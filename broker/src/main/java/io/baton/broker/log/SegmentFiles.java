package io.baton.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One slot's segment files: {@code <first position, 20 digits>.log}, each a run of
 * {@link Frames#SEGMENT} frames with consecutive positions. Records reach these files only after
 * the journal has made them durable, in runs of {@link #WRITE_BATCH} bytes (page cache only), and
 * are fsynced in the background ({@link #force}) before the journal forgets them.
 *
 * <p>Why batched: one write call per slot per group commit was a fifth of the flusher's CPU.
 * Frames held back are written out before the segment rolls, before a force, a checkpoint, a
 * replay and a close, so the journal never forgets a frame these files lack.
 *
 * <p>A failed write is final ({@link #failed}): part of the run may be in the file, and writing it
 * again would repeat frames. The slot is then recovered from its files and the journal.
 *
 * <p>Threads: every method is synchronized on this object, but {@link #force} does its fsyncs
 * outside the monitor, so a large background fsync never holds up the flusher's writes.
 */
final class SegmentFiles {
    static final int WRITE_BATCH = 128 << 10;

    private final Path dir;
    private final Disk disk;
    private final long maxBytes;
    /** First position of every segment -> its size in bytes. */
    private final TreeMap<Long, Long> sizes = new TreeMap<>();
    private FileChannel current;
    private long currentFirst = -1;
    private boolean rollRequested;
    /** Segments rolled away from before their background fsync (kept open for it). */
    private final List<FileChannel> rolledUnforced = new ArrayList<>();
    /** A segment was written or created since the last force. */
    private boolean unforced;
    /** A segment was created since the directory was last forced. */
    private boolean directoryUnforced;
    /** Frames already durable in the journal, not yet written to the open segment. */
    private byte[] held;
    private int heldLength;
    private long heldFirst = -1;
    /** The last position handed to {@link #write}. */
    private long lastWritten = -1;
    /** Every position up to this one is fsynced in these files. */
    private volatile long forcedPosition = -1;
    private IOException failure;
    /** Told once, at the first failed write or fsync (under this object's monitor). */
    private final java.util.function.Consumer<IOException> onFault;

    SegmentFiles(Path dir, Disk disk, long maxBytes, java.util.function.Consumer<IOException> onFault) {
        this.dir = dir;
        this.disk = disk;
        this.maxBytes = maxBytes;
        this.onFault = onFault;
    }

    private void fault(Throwable e) {
        if (failure == null) {
            failure = e instanceof IOException io ? io : new IOException(e);
            onFault.accept(failure);
        }
    }

    // ------------------------------------------------------------------ recovery

    /** Where the segments stop making sense: the first position not found intact. */
    record Damage(long position, Path file, long byteOffset, String why) {
        String describe() {
            return file.getFileName() + " at byte " + byteOffset + " (position " + position + "): " + why;
        }
    }

    /** The result of scanning every segment. */
    record Scan(long lastPosition, Damage damage) {}

    /**
     * Reads every segment after {@code snapshotPosition} frame by frame and finds the last
     * position that is intact, or where the damage starts. Segments wholly covered by the
     * snapshot (left by a crash before their deletion) are deleted: the snapshot holds their
     * records. Changes nothing else: whether damage is a torn tail or loss is the caller's call.
     */
    synchronized Scan scan(long snapshotPosition) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        List<Long> firsts = new ArrayList<>();
        for (Path f : files) {
            firsts.add(firstOf(f));
        }
        long expected = snapshotPosition + 1;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            long first = firsts.get(i);
            long nextFirst = i + 1 < files.size() ? firsts.get(i + 1) : Long.MAX_VALUE;
            if (nextFirst <= snapshotPosition + 1 && first <= snapshotPosition) {
                disk.delete(file); // wholly covered by the snapshot
                continue;
            }
            if (first > expected) {
                return new Scan(expected - 1, new Damage(expected, file, 0, "segment starts at position " + first
                        + "; positions " + expected + ".." + (first - 1) + " are missing"));
            }
            long size = Files.size(file);
            long position = first - 1;
            try (FileChannel ch = disk.open(file, StandardOpenOption.READ);
                 Frames.Reader in = Frames.SEGMENT.reader(Channels.newInputStream(ch))) {
                Frames.Frame f;
                while ((f = in.next()) != null) {
                    if (f.key() != position + 1) {
                        return new Scan(Math.max(expected - 1, position), new Damage(Math.max(expected, position + 1), file,
                                f.offset(), "frame for position " + f.key() + " where " + (position + 1) + " belongs"));
                    }
                    position = f.key();
                }
                if (in.damage() != null) {
                    return new Scan(Math.max(expected - 1, position), new Damage(Math.max(expected, position + 1), file,
                            in.validBytes(), in.damage()));
                }
            }
            if (position < first) {
                if (i + 1 == files.size()) {
                    disk.delete(file); // an empty last segment: created, nothing written yet
                    continue;
                }
                return new Scan(expected - 1, new Damage(Math.max(expected, first), file, 0, "empty segment before others"));
            }
            sizes.put(first, size);
            expected = Math.max(expected, position + 1);
        }
        lastWritten = expected - 1;
        forcedPosition = lastWritten;
        return new Scan(expected - 1, null);
    }

    /**
     * Moves everything from the damage on aside: the rest of the damaged file and every later
     * segment. Only for damage the journal can make good.
     */
    synchronized void cutAt(Damage d) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (Path f : files) {
            int cmp = f.getFileName().compareTo(d.file().getFileName());
            if (cmp == 0 && d.byteOffset() > 0) {
                DamagedFiles.cutTail(disk, f, d.byteOffset(), d.why());
                sizes.put(firstOf(f), d.byteOffset());
            } else if (cmp >= 0) {
                DamagedFiles.moveAside(disk, f, d.why());
                sizes.remove(firstOf(f));
            }
        }
        disk.forceDirectory(dir);
        lastWritten = d.position() - 1;
        forcedPosition = lastWritten;
    }

    /** Treats everything from {@code position} on as damaged for {@code why} (null if nothing is there). */
    synchronized Damage locate(long position, String why) throws IOException {
        Long first = sizes.floorKey(position);
        if (first == null) {
            first = sizes.isEmpty() ? null : sizes.firstKey();
        }
        if (first == null) {
            return null;
        }
        Path file = segmentPath(first);
        if (first >= position) {
            return new Damage(position, file, 0, why);
        }
        try (FileChannel ch = disk.open(file, StandardOpenOption.READ);
             Frames.Reader in = Frames.SEGMENT.reader(Channels.newInputStream(ch))) {
            Frames.Frame f;
            while ((f = in.next()) != null) {
                if (f.key() >= position) {
                    return new Damage(position, file, f.offset(), why);
                }
            }
            return new Damage(position, file, in.validBytes(), why);
        }
    }

    private static long firstOf(Path file) throws LogCorruptedException {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, name.length() - ".log".length()));
        } catch (NumberFormatException e) {
            throw new LogCorruptedException(file + ": not a segment file name");
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Takes frames {@code [firstPosition, lastPosition]}, durable in the journal, for these files:
     * held until a batch gathers; a large run is written at once.
     */
    synchronized void write(byte[] frames, int off, int len, long firstPosition, long lastPosition) throws IOException {
        checkUsable();
        if (heldLength + len > WRITE_BATCH) {
            writeHeld();
        }
        if (len >= WRITE_BATCH) {
            writeRun(frames, off, len, firstPosition);
        } else {
            if (held == null) {
                held = new byte[WRITE_BATCH];
            }
            if (heldLength == 0) {
                heldFirst = firstPosition;
            }
            System.arraycopy(frames, off, held, heldLength, len);
            heldLength += len;
        }
        lastWritten = lastPosition;
    }

    /** Writes frames straight through and makes them durable (records recovered from the journal). */
    synchronized void writeDurably(byte[] frames, int len, long firstPosition, long lastPosition) throws IOException {
        writeHeld();
        writeRun(frames, 0, len, firstPosition);
        lastWritten = lastPosition;
        try {
            current.force(false);
            disk.forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            fault(e);
            throw e;
        }
        forcedPosition = lastPosition;
        unforced = !rolledUnforced.isEmpty();
    }

    private void checkUsable() throws IOException {
        if (failure != null) {
            throw new IOException("an earlier write to " + dir + " failed", failure);
        }
    }

    /** Writes out the held frames. */
    synchronized void writeHeld() throws IOException {
        if (heldLength > 0) {
            checkUsable();
            writeRun(held, 0, heldLength, heldFirst);
            heldLength = 0;
            heldFirst = -1;
        }
    }

    private void writeRun(byte[] frames, int off, int len, long firstPosition) throws IOException {
        try {
            rollIfNeeded(firstPosition);
            ByteBuffer bb = ByteBuffer.wrap(frames, off, len);
            while (bb.hasRemaining()) {
                current.write(bb);
            }
        } catch (IOException | RuntimeException e) {
            fault(e);
            throw e;
        }
        sizes.merge(currentFirst, (long) len, Long::sum);
        unforced = true;
    }

    /** The next write starts a new segment (so the current one can be deleted once covered). */
    synchronized void requestRoll() {
        rollRequested = true;
    }

    private void rollIfNeeded(long firstPosition) throws IOException {
        if (current != null && !rollRequested && sizes.get(currentFirst) < maxBytes) {
            return;
        }
        if (current != null) {
            // Its records are durable in the journal; fsyncing here would stall every slot's
            // commits behind megabytes of writes. The next force fsyncs and closes it.
            rolledUnforced.add(current);
        }
        current = disk.open(segmentPath(firstPosition), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentFirst = firstPosition;
        sizes.put(firstPosition, 0L);
        rollRequested = false;
        unforced = true;
        directoryUnforced = true;
    }

    /**
     * Fsyncs what was written since the last time, so the journal may drop it; the fsyncs run
     * outside the monitor. Returns the position now durable here. On failure, nothing more is
     * written to these files: a failed fsync may have dropped dirty pages, and a later one could
     * succeed without them.
     */
    long force() throws IOException {
        FileChannel ch;
        List<FileChannel> rolled;
        boolean directory;
        long upTo;
        synchronized (this) {
            checkUsable();
            writeHeld();
            upTo = lastWritten;
            if (!unforced) {
                forcedPosition = Math.max(forcedPosition, upTo);
                return forcedPosition;
            }
            ch = current;
            rolled = List.copyOf(rolledUnforced);
            rolledUnforced.clear();
            unforced = false;
            directory = directoryUnforced;
            directoryUnforced = false;
        }
        try {
            for (FileChannel r : rolled) {
                r.force(false);
            }
            try {
                if (ch != null) {
                    ch.force(false);
                }
            } catch (ClosedChannelException e) {
                // closed meanwhile by a checkpoint that covers all of it
            }
            if (directory) {
                disk.forceDirectory(dir);
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                rolledUnforced.addAll(0, rolled);
                fault(e);
            }
            throw e;
        }
        for (FileChannel r : rolled) {
            r.close();
        }
        synchronized (this) {
            forcedPosition = Math.max(forcedPosition, upTo);
            return forcedPosition;
        }
    }

    /** Every position up to this one is fsynced here. */
    long forcedPosition() {
        return forcedPosition;
    }

    /**
     * Deletes segments whose every record is at or below {@code snapshotPosition}; ends the open
     * segment too when nothing after it was written.
     */
    synchronized void deleteCovered(long snapshotPosition) throws IOException {
        writeHeld();
        if (current != null && lastWritten <= snapshotPosition) {
            // Everything in it is covered and nothing waits: end it now rather than at the next
            // write, so an idle slot's disk use falls to its snapshot.
            current.close();
            current = null;
            currentFirst = -1;
        }
        List<Long> firsts = new ArrayList<>(sizes.keySet());
        for (int i = 0; i < firsts.size(); i++) {
            long first = firsts.get(i);
            if (first == currentFirst && current != null) {
                continue;
            }
            long last = i + 1 < firsts.size() ? firsts.get(i + 1) - 1 : lastWritten;
            if (last <= snapshotPosition) {
                disk.delete(segmentPath(first));
                sizes.remove(first);
            }
        }
    }

    /** Hands every record after {@code after} to {@code replayer}, in order. */
    void replay(long after, SlotLog.Replayer replayer) throws IOException {
        List<Map.Entry<Long, Long>> segments;
        synchronized (this) {
            writeHeld();
            segments = new ArrayList<>(sizes.entrySet());
        }
        for (int i = 0; i < segments.size(); i++) {
            long first = segments.get(i).getKey();
            long length = segments.get(i).getValue();
            if (i + 1 < segments.size() && segments.get(i + 1).getKey() - 1 <= after) {
                continue;
            }
            try (FileChannel ch = disk.open(segmentPath(first), StandardOpenOption.READ);
                 Frames.Reader in = Frames.SEGMENT.reader(new java.io.BufferedInputStream(
                         new BoundedInput(Channels.newInputStream(ch), length), 1 << 16))) {
                Frames.Frame f;
                while ((f = in.next()) != null) {
                    if (f.key() > after) {
                        replayer.record(f.key(), f.payload());
                    }
                }
                if (in.damage() != null) {
                    throw new LogCorruptedException(segmentPath(first) + ": " + in.damage() + " at byte " + in.validBytes()
                            + ", in data read intact at open");
                }
            }
        }
    }

    synchronized long bytes() {
        long total = 0;
        for (long s : sizes.values()) {
            total += s;
        }
        return total;
    }

    synchronized int count() {
        return sizes.size();
    }

    /** Writes out what is held, fsyncs what is unforced and closes every file. */
    synchronized void close() throws IOException {
        IOException error = null;
        try {
            if (failure == null) {
                writeHeld();
                for (FileChannel r : rolledUnforced) {
                    r.force(false);
                }
                if (current != null && unforced) {
                    current.force(false);
                }
                if (directoryUnforced) {
                    disk.forceDirectory(dir);
                }
                forcedPosition = lastWritten;
            }
        } catch (IOException e) {
            error = e;
        } finally {
            for (FileChannel r : rolledUnforced) {
                closeQuietly(r);
            }
            rolledUnforced.clear();
            if (current != null) {
                closeQuietly(current);
            }
            current = null;
        }
        if (error != null) {
            throw error;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to lose
        }
    }

    private Path segmentPath(long first) {
        return dir.resolve(String.format("%020d.log", first));
    }

    /** Reads at most {@code limit} bytes: a segment as long as this log knows it (later bytes are not its own yet). */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long left;

        BoundedInput(java.io.InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
