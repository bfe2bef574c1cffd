package io.baton.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's write-ahead journal: one file stream shared by every slot log, so that one fsync
 * makes the records of all slots durable at once (as a BookKeeper bookie's journal does).
 *
 * <p>Why: with one fsync per slot file, a broker with many busy slots pays one fsync per slot per
 * group commit, and each fsync is costly in kernel CPU (especially in a VM). Slot files get the
 * same frames after the journal has them (page cache only) and are fsynced in the background when
 * a journal segment fills; then the older journal segments are deleted ({@link #deleteBefore}).
 *
 * <p>Frames: {@link Frames#JOURNAL}, keyed by slot; each payload is a run of that slot's segment
 * frames. Segments: {@code <sequence, 20 digits>.jnl}.
 *
 * <p>Space ahead of the writes is zeroed {@link #PREALLOCATE_BYTES} at a time, by the commit that
 * first writes past the zeroed end ({@link #commit}). Why: an fsync after writes that grow a file
 * must also commit the file system's metadata (the new size, the new blocks: on ext4 a journal
 * transaction and a second cache flush), while an fsync after writes over blocks already written
 * flushes the data alone. One commit in a megabyte pays for both; every other commit's fsync is
 * the disk's floor for one durable write (docs/BENCHMARKS.md, "One job at a time"). The zeros
 * never pass {@code segmentMaxBytes}, and a segment rolls once its data reaches that, so only the
 * last segment can end in zeros; at open they are cut off, after checking that they are zeros
 * and nothing else ({@link #open}).
 *
 * <p>Faults. A commit whose write or fsync fails is never acknowledged, and before anything else
 * is committed the segment is truncated back to its last durable length and fsynced ({@link
 * #repair}): a later acknowledgement never sits after bytes that a failed fsync may have dropped.
 * Until that succeeds every commit fails. At open, a torn tail of the last segment (a commit cut
 * short by a crash) is cut and kept aside; damage in an earlier segment is refused.
 *
 * <p>Holds: a slot's frames stay (no segment is deleted) while the slot may still need them: from
 * open until its log has taken what the journal held for it, and from a storage fault in its slot
 * files until it is reopened ({@link #hold}, {@link #release}).
 *
 * <p>Threads: {@link #add} and {@link #commit} only by the thread running the group commit, one at
 * a time ({@link LogFlusher}'s commit lock); the rest from any thread (synchronized).
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    /**
     * Bytes zeroed ahead of the writes at a time: writing and fsyncing a megabyte of zeros with a
     * commit costs it well under a millisecond more on a virtio disk, four megabytes tens of
     * milliseconds (the kernel's writeback throttling).
     */
    static final int PREALLOCATE_BYTES = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(PREALLOCATE_BYTES).asReadOnlyBuffer();

    private final Path dir;
    private final Disk disk;
    private final long segmentMaxBytes;
    private byte[] buffer = new byte[1 << 20];
    private int length;
    private FileChannel current;
    private volatile long currentSequence;
    /** Bytes of the current segment that are durable. */
    private volatile long durableBytes;
    /** The current segment's length: data up to {@link #durableBytes} (and a commit's), zeros after. Journal thread. */
    private long zeroedEnd;
    private final CRC32C crc = new CRC32C();
    /** The failure that left the current segment with bytes past its durable length; null when clean. */
    private IOException broken;

    /** Where each slot's frames were at open, until its log takes them. */
    private final Map<Integer, List<FrameRef>> recovered;
    /** Slots whose frames must stay, with the first position their slot files may lack. */
    private final Map<Integer, Long> holds = new HashMap<>();

    private record FrameRef(long sequence, long offset, int length) {}

    private Journal(Path dir, Disk disk, long segmentMaxBytes, Map<Integer, List<FrameRef>> recovered, long nextSequence) {
        this.dir = dir;
        this.disk = disk;
        this.segmentMaxBytes = segmentMaxBytes;
        this.recovered = recovered;
        this.currentSequence = nextSequence - 1;
    }

    public static Journal open(Path dir, long segmentMaxBytes) throws IOException {
        return open(dir, segmentMaxBytes, Disk.REAL);
    }

    /** Opens the journal in {@code dir}, indexing what it holds for {@link #framesFor}. */
    public static Journal open(Path dir, long segmentMaxBytes, Disk disk) throws IOException {
        Files.createDirectories(dir);
        Map<Integer, List<FrameRef>> recovered = new HashMap<>();
        List<Path> segments = segments(dir);
        long next = 0;
        for (int i = 0; i < segments.size(); i++) {
            Path p = segments.get(i);
            long seq = sequenceOf(p);
            next = Math.max(next, seq + 1);
            Scan scan = scan(disk, p, seq, recovered, null, -1);
            if (scan.damage != null && i + 1 == segments.size() && zerosFrom(disk, p, scan.valid)) {
                cutZeros(disk, p, scan.valid);
                continue;
            }
            if (scan.damage != null) {
                if (i + 1 < segments.size()) {
                    throw new LogCorruptedException(p + ": " + scan.damage + " at byte " + scan.valid
                            + ", before the last journal segment: acknowledged records of any slot may be lost."
                            + " Move the journal directory aside to start without it (slots missing records then refuse to open)");
                }
                DamagedFiles.cutTail(disk, p, scan.valid, "torn journal tail (" + scan.damage + ")");
            }
        }
        return new Journal(dir, disk, segmentMaxBytes, recovered, next);
    }

    private record Scan(long valid, String damage) {}

    /** Whether everything in {@code p} from {@code offset} on is zero: space zeroed ahead and never written. */
    private static boolean zerosFrom(Disk disk, Path p, long offset) throws IOException {
        try (FileChannel ch = disk.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            for (long at = offset; ; ) {
                b.clear();
                int n = ch.read(b, at);
                if (n < 0) {
                    return true;
                }
                for (int i = 0; i < n; i++) {
                    if (b.get(i) != 0) {
                        return false;
                    }
                }
                at += n;
            }
        }
    }

    /**
     * Cuts the zeros off the end of the last segment, so that every segment but the current one
     * ends with its last frame and zeros anywhere else stay damage.
     */
    private static void cutZeros(Disk disk, Path p, long valid) throws IOException {
        try (FileChannel ch = disk.open(p, StandardOpenOption.WRITE)) {
            long zeros = ch.size() - valid;
            ch.truncate(valid);
            ch.force(true);
            log.info("{}: cut {} bytes of space zeroed ahead and never written", p, zeros);
        }
    }

    /**
     * Reads one segment's frames, up to {@code limit} bytes (-1: all), indexing in {@code out} those
     * of every slot, or of {@code onlySlot} alone when it is not null.
     */
    private static Scan scan(Disk disk, Path p, long seq, Map<Integer, List<FrameRef>> out, Integer onlySlot, long limit)
            throws IOException {
        try (FileChannel ch = disk.open(p, StandardOpenOption.READ);
             Frames.Reader in = Frames.JOURNAL.reader(limit < 0 ? Channels.newInputStream(ch)
                     : new java.io.BufferedInputStream(new BoundedInput(Channels.newInputStream(ch), limit), 1 << 16))) {
            Frames.Frame f;
            while ((f = in.next()) != null) {
                if (onlySlot == null || onlySlot == (int) f.key()) {
                    out.computeIfAbsent((int) f.key(), k -> new ArrayList<>())
                            .add(new FrameRef(seq, f.offset() + Frames.JOURNAL.header, f.payload().length));
                }
            }
            return new Scan(in.validBytes(), in.damage());
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jnl")).sorted().toList();
        }
    }

    private static long sequenceOf(Path p) {
        return Long.parseLong(p.getFileName().toString().replace(".jnl", ""));
    }

    private Path segmentPath(long sequence) {
        return dir.resolve(String.format("%020d.jnl", sequence));
    }

    /**
     * What the journal holds for {@code slot} (runs of segment frames, in order): what it held at
     * open if the slot has not taken that yet, else what its segments hold now (for a slot
     * reopened after a fault). The caller must {@link #hold} the slot first if it may need them.
     */
    public synchronized List<byte[]> framesFor(int slot) throws IOException {
        List<FrameRef> refs = recovered.get(slot);
        if (refs == null) {
            Map<Integer, List<FrameRef>> one = new HashMap<>();
            for (Path p : segments(dir)) {
                long seq = sequenceOf(p);
                scan(disk, p, seq, one, slot, seq == currentSequence ? durableBytes : -1);
            }
            refs = one.getOrDefault(slot, List.of());
        }
        List<byte[]> runs = new ArrayList<>(refs.size());
        Map<Long, FileChannel> open = new HashMap<>();
        try {
            for (FrameRef r : refs) {
                FileChannel ch = open.get(r.sequence());
                if (ch == null) {
                    ch = disk.open(segmentPath(r.sequence()), StandardOpenOption.READ);
                    open.put(r.sequence(), ch);
                }
                ByteBuffer b = ByteBuffer.allocate(r.length());
                while (b.hasRemaining()) {
                    if (ch.read(b, r.offset() + b.position()) < 0) {
                        throw new LogCorruptedException(segmentPath(r.sequence()) + ": shorter than when it was read at open");
                    }
                }
                runs.add(b.array());
            }
        } finally {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
        }
        return runs;
    }

    /**
     * Keeps every segment until {@link #release}: {@code slot}'s files may lack records from
     * {@code fromPosition} on that only the journal has.
     */
    public synchronized void hold(int slot, long fromPosition) {
        holds.merge(slot, fromPosition, Math::min);
    }

    /** Where {@code slot}'s files stopped being trustworthy, per the last {@link #hold}; -1 if not held. */
    public synchronized long heldFrom(int slot) {
        Long from = holds.get(slot);
        return from == null ? -1 : from;
    }

    /** {@code slot}'s files now hold (durably) everything the journal has for it. */
    public synchronized void release(int slot) {
        holds.remove(slot);
        recovered.remove(slot);
    }

    /** Buffers one run of {@code slot}'s frames for the next {@link #commit}. The committing thread only. */
    void add(int slot, byte[] frames, int offset, int len) {
        int need = length + Frames.JOURNAL.header + len;
        if (need > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, need));
        }
        Frames.JOURNAL.putHeader(crc, buffer, length, slot, frames, offset, len);
        System.arraycopy(frames, offset, buffer, length + Frames.JOURNAL.header, len);
        length += Frames.JOURNAL.header + len;
    }

    /**
     * Writes what was added and fsyncs: after this returns, every added run is durable. If it
     * throws, none of them is, and they are dropped. Returns true when it started a new segment
     * (the caller then forces slot files in the background and calls {@link #deleteBefore} with
     * {@link #currentSequence()}). The committing thread only.
     */
    boolean commit() throws IOException {
        if (length == 0) {
            return false;
        }
        int n = length;
        byte[] out = buffer;
        length = 0;
        if (buffer.length > (2 << 20)) { // a burst's buffer is not kept
            buffer = new byte[1 << 20];
        }
        if (broken != null) {
            repair();
        }
        boolean rolled = false;
        try {
            if (current == null || durableBytes >= segmentMaxBytes) {
                roll();
                rolled = true;
            }
            ByteBuffer bb = ByteBuffer.wrap(out, 0, n);
            while (bb.hasRemaining()) {
                current.write(bb);
            }
            long end = durableBytes + n;
            if (end > zeroedEnd) {
                zeroedEnd = end < segmentMaxBytes ? zeroAhead(end, Math.min(end + PREALLOCATE_BYTES, segmentMaxBytes)) : end;
            }
            current.force(false);
        } catch (IOException | RuntimeException e) {
            broken = e instanceof IOException io ? io : new IOException(e);
            try {
                repair();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        durableBytes += n;
        return rolled;
    }

    /**
     * Cuts the current segment back to its durable length and fsyncs that, after a failed write
     * or fsync. Until it succeeds nothing is committed.
     */
    private void repair() throws IOException {
        try {
            if (current != null) {
                zeroedEnd = durableBytes;
                current.truncate(durableBytes);
                current.force(true);
                current.position(durableBytes);
            }
        } catch (IOException | RuntimeException e) {
            IOException io = new IOException("the journal could not be cut back to its durable length after "
                    + broken.getMessage() + "; nothing is committed until it can", e);
            throw io;
        }
        log.warn("{}: cut segment {} back to its durable {} bytes after a failed commit ({})", dir,
                String.format("%020d", currentSequence), durableBytes, broken.toString());
        broken = null;
    }

    private void roll() throws IOException {
        long next = currentSequence + 1;
        FileChannel ch = disk.open(segmentPath(next), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel old = current;
        current = ch;
        currentSequence = next;
        durableBytes = 0;
        zeroedEnd = 0;
        if (old != null) {
            old.close();
        }
        disk.forceDirectory(dir);
    }

    /** Writes zeros over {@code [from, to)} of the current segment (made durable by the commit's fsync); returns {@code to}. */
    private long zeroAhead(long from, long to) throws IOException {
        ByteBuffer zeros = ZEROS.duplicate();
        zeros.limit((int) (to - from));
        for (long at = from; zeros.hasRemaining(); ) {
            at += current.write(zeros, at);
        }
        return to;
    }

    long currentSequence() {
        return currentSequence;
    }

    /**
     * Deletes the segments before {@code sequence}. Call only once every record in them is durable
     * in its slot file; does nothing while a slot is held.
     */
    void deleteBefore(long sequence) throws IOException {
        List<Path> old = new ArrayList<>();
        synchronized (this) {
            if (!holds.isEmpty() || !recovered.isEmpty()) {
                return;
            }
            for (Path p : segments(dir)) {
                if (sequenceOf(p) < sequence) {
                    old.add(p);
                }
            }
        }
        // Outside the lock: appends go on while the old segments are freed a step at a time.
        for (Path p : old) {
            disk.deleteGradually(p);
        }
    }

    @Override
    public void close() {
        try {
            if (current != null) {
                current.close();
            }
        } catch (IOException e) {
            log.warn("{}: closing journal", dir, e);
        }
        current = null;
    }
}
