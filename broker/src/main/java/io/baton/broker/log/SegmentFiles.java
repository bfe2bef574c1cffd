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
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One slot's segment files: {@code <first position>-<first address>.log} (20 digits each), each
 * a run of {@link Frames#SEGMENT} frames with consecutive positions. A record's address is its
 * payload's offset in the slot's stream of frames, which the segments split into files: the first
 * address of a segment is the last one's plus its size, so re-writing frames (from the journal,
 * after a crash) gives them back their addresses.
 *
 * <p>Records reach these files only after the journal has made them durable, in runs of
 * {@link #WRITE_BATCH} bytes (page cache only), and are fsynced in the background
 * ({@link #force}) before the journal forgets them. Why batched: one write call per slot per
 * group commit was a fifth of the flusher's CPU. Frames held back are written out before the
 * segment rolls, before a force, a checkpoint, a replay, a read and a close, so the journal never
 * forgets a frame these files lack.
 *
 * <p>A failed write or fsync is final ({@link #failure}): part of the run may be in the file, and
 * writing it again would repeat frames. The slot is then recovered from its files and the journal.
 *
 * <p>Threads: every method is synchronized on this object, but {@link #force} does its fsyncs and
 * {@link #read} its reads outside the monitor, so neither holds up the flusher's writes.
 */
final class SegmentFiles {
    static final int WRITE_BATCH = 128 << 10;

    private final Path dir;
    private final Disk disk;
    private final long maxBytes;

    /** One segment file. {@code size} only grows, under the monitor. */
    private static final class Segment {
        final long firstPosition;
        final long firstAddress;
        volatile long size;
        /**
         * Bytes of bodies written into it (see {@link SlotLog#appendLocated}); -1 for a segment
         * this process found on disk, whose records it has not counted. Under the monitor.
         */
        long bodyBytes;
        /** Opened for reads on first use; closed when unused and too many are open, or the segment goes. */
        FileChannel reader;
        /** Reads using {@link #reader} now (it is closed only at 0). Under the files' monitor. */
        int readers;
        /** When it was last used, for closing the least recently used. Under the files' monitor. */
        long lastRead;

        Segment(long firstPosition, long firstAddress, long size, long bodyBytes) {
            this.firstPosition = firstPosition;
            this.firstAddress = firstAddress;
            this.size = size;
            this.bodyBytes = bodyBytes;
        }
    }

    /** By first position. */
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    /** The same segments, by first address. */
    private final TreeMap<Long, Segment> byAddress = new TreeMap<>();
    private FileChannel current;
    private Segment currentSegment;
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
    private long heldBodyBytes;
    private long heldFirst = -1;
    /** The last position handed to {@link #write}. */
    private long lastWritten = -1;
    /** The address after the last byte written to a file (held frames not included). */
    private long writtenEnd;
    /** The address after the last byte handed to {@link #write} (held frames included). */
    private long end;
    /** Every position up to this one is fsynced in these files. */
    private volatile long forcedPosition = -1;
    private IOException failure;
    /** Told once, at the first failed write or fsync (under this object's monitor). */
    private final Consumer<IOException> onFault;

    SegmentFiles(Path dir, Disk disk, long maxBytes, Consumer<IOException> onFault) {
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

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** A segment file's name: its first position and first address. */
    private record Name(long firstPosition, long firstAddress) {}

    /** Parses a segment file name; a name of the first format (no address) gives address -1. */
    private static Name nameOf(Path file) throws LogCorruptedException {
        String name = file.getFileName().toString();
        String stem = name.substring(0, name.length() - ".log".length());
        try {
            int dash = stem.indexOf('-');
            return dash < 0 ? new Name(Long.parseLong(stem), -1)
                    : new Name(Long.parseLong(stem.substring(0, dash)), Long.parseLong(stem.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new LogCorruptedException(file + ": not a segment file name");
        }
    }

    private Path segmentPath(long firstPosition, long firstAddress) {
        return dir.resolve(String.format("%020d-%020d.log", firstPosition, firstAddress));
    }

    private Path pathOf(Segment s) {
        return segmentPath(s.firstPosition, s.firstAddress);
    }

    /**
     * A segment a snapshot still needs (for live message bodies), as it was when the snapshot was
     * written; {@code bodyBytes} as {@link Segment#bodyBytes} (not stored with the snapshot).
     */
    record Kept(long firstPosition, long firstAddress, long size, long bodyBytes) {}

    /**
     * Finds the last position that is intact, or where the damage starts. Segments wholly covered
     * by the snapshot are checked against what it says it still needs ({@code kept}, for live
     * message bodies): each must be there, whole; covered segments it does not need are deleted
     * (left by a crash before the checkpoint's deletion). Segments after the snapshot are read frame
     * by frame. Segments of the first format (named without an address) are renamed with the
     * addresses their places in the stream give them. Changes nothing else: whether damage is a
     * torn tail or loss is the caller's call.
     *
     * @param minAddress the address new frames may not start below (what the snapshot recorded)
     */
    synchronized Scan scan(long snapshotPosition, List<Kept> kept, long minAddress) throws IOException {
        List<Path> files = files();
        java.util.Set<Long> needed = new java.util.HashSet<>();
        for (Kept k : kept) {
            Path p = segmentPath(k.firstPosition(), k.firstAddress());
            if (!Files.exists(p) || Files.size(p) != k.size()) {
                throw new LogCorruptedException(p + ": the snapshot needs this segment (" + k.size()
                        + " bytes, holding live message bodies) and it is " + (Files.exists(p) ? Files.size(p) + " bytes" : "missing"));
            }
            needed.add(k.firstPosition());
        }
        long expected = snapshotPosition + 1;
        long address = Math.max(0, minAddress);
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Name name = nameOf(file);
            long nextFirst = i + 1 < files.size() ? nameOf(files.get(i + 1)).firstPosition() : Long.MAX_VALUE;
            long size = Files.size(file);
            if (name.firstAddress() < 0) {
                // The first format: give it the addresses its place in the stream gives it.
                Path renamed = segmentPath(name.firstPosition(), address);
                disk.move(file, renamed);
                disk.forceDirectory(dir);
                file = renamed;
                name = new Name(name.firstPosition(), address);
            }
            boolean covered = nextFirst <= snapshotPosition + 1;
            if (covered) {
                if (!needed.contains(name.firstPosition())) {
                    disk.delete(file); // the snapshot covers its records and needs none of its bytes
                    continue;
                }
            } else {
                if (name.firstPosition() > expected) {
                    return new Scan(expected - 1, new Damage(expected, file, 0, "segment starts at position "
                            + name.firstPosition() + "; positions " + expected + ".." + (name.firstPosition() - 1) + " are missing"));
                }
                long position = name.firstPosition() - 1;
                try (FileChannel ch = disk.open(file, StandardOpenOption.READ);
                     Frames.Reader in = Frames.SEGMENT.reader(Channels.newInputStream(ch))) {
                    Frames.Frame f;
                    // Records the snapshot holds need no checking here (their live bodies are
                    // checked when read); those after it do.
                    while ((f = in.next(snapshotPosition)) != null) {
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
                if (position < name.firstPosition()) {
                    if (i + 1 == files.size()) {
                        disk.delete(file); // an empty last segment: created, nothing written yet
                        continue;
                    }
                    return new Scan(expected - 1, new Damage(Math.max(expected, name.firstPosition()), file, 0,
                            "empty segment before others"));
                }
                expected = Math.max(expected, position + 1);
            }
            Segment seg = new Segment(name.firstPosition(), name.firstAddress(), size, -1);
            segments.put(seg.firstPosition, seg);
            byAddress.put(seg.firstAddress, seg);
            address = Math.max(address, name.firstAddress() + size);
        }
        lastWritten = expected - 1;
        forcedPosition = lastWritten;
        writtenEnd = address;
        end = writtenEnd;
        return new Scan(expected - 1, null);
    }

    /**
     * Moves everything from the damage on aside: the rest of the damaged file and every later
     * segment. Only for damage the journal can make good.
     */
    synchronized void cutAt(Damage d) throws IOException {
        for (Path f : files()) {
            int cmp = f.getFileName().compareTo(d.file().getFileName());
            Name name = nameOf(f);
            if (cmp == 0 && d.byteOffset() > 0) {
                DamagedFiles.cutTail(disk, f, d.byteOffset(), d.why());
                Segment s = segments.get(name.firstPosition());
                if (s == null) { // the scan stopped at it
                    s = new Segment(name.firstPosition(), name.firstAddress(), d.byteOffset(), -1);
                    segments.put(s.firstPosition, s);
                    byAddress.put(s.firstAddress, s);
                }
                s.size = d.byteOffset();
            } else if (cmp >= 0) {
                DamagedFiles.moveAside(disk, f, d.why());
                Segment s = segments.remove(name.firstPosition());
                if (s != null) {
                    byAddress.remove(s.firstAddress);
                }
            }
        }
        disk.forceDirectory(dir);
        lastWritten = d.position() - 1;
        forcedPosition = lastWritten;
        Map.Entry<Long, Segment> lastSegment = byAddress.lastEntry();
        if (lastSegment != null) {
            writtenEnd = lastSegment.getValue().firstAddress + lastSegment.getValue().size;
        }
        end = writtenEnd;
    }

    /** Treats everything from {@code position} on as damaged for {@code why} (null if nothing is there). */
    synchronized Damage locate(long position, String why) throws IOException {
        Map.Entry<Long, Segment> e = segments.floorEntry(position);
        if (e == null) {
            e = segments.firstEntry();
        }
        if (e == null) {
            return null;
        }
        Path file = pathOf(e.getValue());
        if (e.getKey() >= position) {
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

    // ------------------------------------------------------------------ writing

    /** The address after the last byte handed to these files: where the next frame goes. */
    synchronized long end() {
        return end;
    }

    /**
     * Takes frames {@code [firstPosition, lastPosition]}, durable in the journal, for these files:
     * held until a batch gathers; a large run is written at once. They must follow the last ones
     * in the stream: their first frame's address is {@link #end()}.
     */
    synchronized void write(byte[] frames, int off, int len, long bodyBytes, long firstPosition, long lastPosition)
            throws IOException {
        checkUsable();
        if (heldLength + len > WRITE_BATCH) {
            writeHeld();
        }
        if (len >= WRITE_BATCH) {
            writeRun(frames, off, len, bodyBytes, firstPosition);
        } else {
            if (held == null) {
                held = new byte[WRITE_BATCH];
            }
            if (heldLength == 0) {
                heldFirst = firstPosition;
            }
            System.arraycopy(frames, off, held, heldLength, len);
            heldLength += len;
            heldBodyBytes += bodyBytes;
        }
        lastWritten = lastPosition;
        end += len;
    }

    /** Writes frames straight through and makes them durable (records recovered from the journal). */
    synchronized void writeDurably(byte[] frames, int len, long firstPosition, long lastPosition) throws IOException {
        writeHeld();
        writeRun(frames, 0, len, len, firstPosition); // recovered frames: which bytes are bodies is not known
        lastWritten = lastPosition;
        end += len;
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
            writeRun(held, 0, heldLength, heldBodyBytes, heldFirst);
            heldLength = 0;
            heldBodyBytes = 0;
            heldFirst = -1;
        }
    }

    private void writeRun(byte[] frames, int off, int len, long bodyBytes, long firstPosition) throws IOException {
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
        currentSegment.size += len;
        if (currentSegment.bodyBytes >= 0) {
            currentSegment.bodyBytes += bodyBytes;
        }
        writtenEnd += len;
        unforced = true;
    }

    /** The next write starts a new segment (so the current one can be deleted once covered). */
    synchronized void requestRoll() {
        rollRequested = true;
    }

    private void rollIfNeeded(long firstPosition) throws IOException {
        if (current != null && !rollRequested && currentSegment.size < maxBytes) {
            return;
        }
        if (current != null) {
            // Its records are durable in the journal; fsyncing here would stall every slot's
            // commits behind megabytes of writes. The next force fsyncs and closes it.
            rolledUnforced.add(current);
        }
        Segment s = new Segment(firstPosition, writtenEnd, 0, 0);
        current = disk.open(pathOf(s), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentSegment = s;
        segments.put(s.firstPosition, s);
        byAddress.put(s.firstAddress, s);
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

    // ------------------------------------------------------------------ reading

    /**
     * Read channels kept open at most, per slot: a drain of a large backlog reads from every
     * segment, and a channel each would be thousands of open files across the slots.
     */
    static final int OPEN_READERS = 8;
    private int openReaders;
    private long reads;

    /** Reads {@code length} bytes at {@code address}; held frames are written out first if needed. */
    void read(long address, byte[] into, int offset, int length) throws IOException {
        Segment s;
        FileChannel ch;
        synchronized (this) {
            if (address + length > writtenEnd) {
                writeHeld();
            }
            Map.Entry<Long, Segment> e = byAddress.floorEntry(address);
            s = e == null ? null : e.getValue();
            if (s == null || address + length > s.firstAddress + s.size) {
                throw new LogCorruptedException(dir + ": no segment holds bytes " + address + ".." + (address + length)
                        + " (asked for a record that is gone, or damaged)");
            }
            if (s.reader == null) {
                closeIdleReaders(OPEN_READERS - 1);
                s.reader = disk.open(pathOf(s), StandardOpenOption.READ);
                openReaders++;
            }
            s.readers++;
            s.lastRead = ++reads;
            ch = s.reader;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(into, offset, length);
            long at = address - s.firstAddress;
            while (b.hasRemaining()) {
                int n = ch.read(b, at + b.position() - offset);
                if (n < 0) {
                    throw new LogCorruptedException(pathOf(s) + ": shorter than the " + s.size + " bytes written to it");
                }
            }
        } finally {
            synchronized (this) {
                s.readers--;
                if (s.readers == 0 && segments.get(s.firstPosition) != s) {
                    closeReader(s); // deleted while this read was on it
                }
            }
        }
    }

    /** Read channels open now (for tests). */
    synchronized int openReaders() {
        return openReaders;
    }

    /** Closes the least recently used read channels no read is using, until at most {@code keep} are open. */
    private void closeIdleReaders(int keep) {
        while (openReaders > keep) {
            Segment oldest = null;
            for (Segment s : segments.values()) {
                if (s.reader != null && s.readers == 0 && (oldest == null || s.lastRead < oldest.lastRead)) {
                    oldest = s;
                }
            }
            if (oldest == null) {
                return; // all in use: one more for now
            }
            closeReader(oldest);
        }
    }

    private void closeReader(Segment s) {
        if (s.reader != null) {
            closeQuietly(s.reader);
            s.reader = null;
            openReaders--;
        }
    }

    // ------------------------------------------------------------------ reclamation

    /** Where each segment starts (by address, ascending): the units a checkpoint counts live bytes in. */
    synchronized long[] unitStarts() {
        long[] starts = new long[byAddress.size()];
        int i = 0;
        for (long a : byAddress.keySet()) {
            starts[i++] = a;
        }
        return starts;
    }

    /**
     * The segments whose every record is at or below {@code snapshotPosition}, with the live bytes
     * {@code live} counted in each. Ends the open segment first when nothing after the snapshot was
     * written to it, so an idle slot's disk use falls to its snapshot and what its live bytes keep.
     */
    synchronized List<Covered> covered(long snapshotPosition, LiveCounter live) throws IOException {
        writeHeld();
        if (current != null && lastWritten <= snapshotPosition) {
            rolledUnforced.add(current);
            unforced = true;
            current = null;
            currentSegment = null;
        }
        List<Covered> out = new ArrayList<>();
        List<Segment> all = new ArrayList<>(segments.values());
        for (int i = 0; i < all.size(); i++) {
            Segment s = all.get(i);
            if (s == currentSegment) {
                continue;
            }
            long last = i + 1 < all.size() ? all.get(i + 1).firstPosition - 1 : lastWritten;
            if (last <= snapshotPosition) {
                out.add(new Covered(new Kept(s.firstPosition, s.firstAddress, s.size, s.bodyBytes), live.liveIn(s.firstAddress)));
            }
        }
        return out;
    }

    /** A segment a checkpoint covers, and its live bytes. */
    record Covered(Kept segment, long liveBytes) {}

    /** Deletes a covered segment that holds nothing live. */
    void delete(Kept k) throws IOException {
        Path file;
        synchronized (this) {
            Segment s = segments.remove(k.firstPosition());
            if (s == null) {
                return;
            }
            byAddress.remove(s.firstAddress);
            if (s.readers == 0) {
                closeReader(s);
            } // else the read in progress finishes on the deleted file's inode and closes the channel
            file = pathOf(s);
            if (s.readers > 0) {
                // The read in progress must find the whole file: unlinked, not truncated.
                disk.delete(file);
                return;
            }
        }
        // Outside the lock: nothing refers to the segment any more, and appends and reads go on.
        disk.deleteGradually(file);
    }

    /** Hands every record after {@code after} to {@code replayer}, in order, with its address. */
    void replay(long after, SlotLog.Replayer replayer) throws IOException {
        List<Segment> all;
        synchronized (this) {
            writeHeld();
            all = new ArrayList<>(segments.values());
        }
        for (int i = 0; i < all.size(); i++) {
            Segment s = all.get(i);
            if (i + 1 < all.size() && all.get(i + 1).firstPosition - 1 <= after) {
                continue;
            }
            long length = s.size;
            try (FileChannel ch = disk.open(pathOf(s), StandardOpenOption.READ);
                 Frames.Reader in = Frames.SEGMENT.reader(new java.io.BufferedInputStream(
                         new BoundedInput(Channels.newInputStream(ch), length), 1 << 16))) {
                Frames.Frame f;
                while ((f = in.next(after)) != null) {
                    if (f.key() > after) {
                        replayer.record(f.key(), s.firstAddress + f.offset() + Frames.SEGMENT.header, f.payload());
                    }
                }
                if (in.damage() != null) {
                    throw new LogCorruptedException(pathOf(s) + ": " + in.damage() + " at byte " + in.validBytes()
                            + ", in data read intact at open");
                }
            }
        }
    }

    synchronized long bytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.size;
        }
        return total;
    }

    /** Bytes of segments holding records after {@code position} (what a replay from it reads). */
    synchronized long bytesAfter(long position) {
        long total = 0;
        List<Segment> all = new ArrayList<>(segments.values());
        for (int i = 0; i < all.size(); i++) {
            long last = i + 1 < all.size() ? all.get(i + 1).firstPosition - 1 : Long.MAX_VALUE;
            if (last > position) {
                total += all.get(i).size;
            }
        }
        return total;
    }

    synchronized int count() {
        return segments.size();
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
            for (Segment s : segments.values()) {
                closeReader(s);
            }
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
}
