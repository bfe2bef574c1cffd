package io.baton.broker.log;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot log in a directory of its own on the local disk.
 *
 * <p>Layout: segment files {@code <first position, 20 digits>.log} holding frames
 * {@code [payload length:int][crc32c(position, payload):int][position:long][payload]}, and at most
 * one {@code snapshot-<position>.snap} ({@code [magic][position][length][crc32c][bytes]}),
 * written to a temporary name, fsynced and renamed into place.
 *
 * <p>Opening scans every segment and stops at the first frame that is short, fails its CRC or
 * breaks the position sequence: a crash mid-write leaves exactly such a tail. The segment is cut
 * there and later segments are removed, with a warning, never a failure. New appends always start
 * a new segment, so a cut segment is never written again.
 *
 * <p>Threads: {@link #append} and {@link #sync} from any thread (they only touch the buffer under
 * this object's monitor); file writes, fsyncs, segment rolls and deletions happen under
 * {@code ioLock}, on the {@link LogFlusher} thread or the checkpointing thread.
 */
public final class FileSlotLog implements SlotLog {
    private static final Logger log = LoggerFactory.getLogger(FileSlotLog.class);
    static final int FRAME_HEADER = 16;
    private static final int SNAPSHOT_MAGIC = 0x42534e50;
    private static final int MAX_RECORD = 64 << 20;
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    private final Path dir;
    private final int slot;
    private final LogFlusher flusher;
    private final long segmentMaxBytes;

    // Append side, guarded by "this".
    private byte[] buffer = new byte[64 << 10];
    private byte[] spare;
    private int length;
    private List<PendingAppend> pending = new ArrayList<>();
    private List<PendingSync> syncs = new ArrayList<>();
    private long lastPosition;
    private boolean scheduled;
    private Throwable failure;

    // I/O side, guarded by ioLock.
    private final Object ioLock = new Object();
    private final TreeMap<Long, Long> segmentSizes = new TreeMap<>();
    private FileChannel current;
    private long currentFirst = -1;
    private boolean rollRequested;
    private long snapshotPosition = -1;
    private long snapshotBytes;
    private volatile long durablePosition;
    /** Journal mode: a segment was created or written since the last {@link #forceToDisk}. */
    private boolean unforced;
    /**
     * Journal mode: a segment was created since the directory was last forced. The background
     * force fsyncs the directory only then (it ran every time, at every MiB of slot-file writes).
     */
    private boolean directoryUnforced;
    /** Journal mode: segments rolled away from before their background fsync (still open for it). */
    private final List<FileChannel> unforcedClosed = new ArrayList<>();
    /**
     * Journal mode: frames already in the journal but not yet written to the open segment. Their
     * durability is the journal's; the slot file only has to hold them before the journal forgets
     * them, so they are written in runs of {@link #SLOT_WRITE_BATCH} instead of one write call per
     * slot per group commit (those small writes were a fifth of the flusher's CPU). Written out
     * before the segment rolls, before a background force, a checkpoint, a replay and a close.
     */
    private byte[] unwritten;
    private int unwrittenLength;
    static final int SLOT_WRITE_BATCH = 128 << 10;
    /** Journal mode: the first failed slot-file write; no write is tried after it (see writeSlotFile). */
    private Throwable slotFileFailure;

    private record PendingAppend(long position, CompletableFuture<Long> future) {}

    private record PendingSync(long position, CompletableFuture<Void> future) {}

    /**
     * What one flush wrote. Per-file mode: already durable. Journal mode: durable once the
     * journal commit that follows succeeds; {@link #complete(Throwable)} then advances the log's
     * durable position and runs the waiting callbacks.
     */
    record Flushed(FileSlotLog log, long upTo, List<PendingAppend> appends, List<PendingSync> syncs, long fsyncNanos,
                   long bytes, Throwable error) {
        int records() {
            return appends.size();
        }

        void complete() {
            complete(null);
        }

        void complete(Throwable journalError) {
            Throwable e = error != null ? error : journalError;
            if (e != null && error == null) {
                log.failWith(e);
            }
            for (PendingAppend p : appends) {
                if (e == null) {
                    p.future.complete(p.position);
                } else {
                    p.future.completeExceptionally(e);
                }
            }
            for (PendingSync s : syncs) {
                if (e == null) {
                    s.future.complete(null);
                } else {
                    s.future.completeExceptionally(e);
                }
            }
            // Only now: a sync() that finds these records durable must also find their appends
            // completed (a read never answers before the write it observed is acknowledged).
            if (e == null) {
                synchronized (log) { // flushes of one log may complete on two threads: never go back
                    if (upTo > log.durablePosition) {
                        log.durablePosition = upTo;
                    }
                }
                log.wakeSyncs();
            }
        }
    }

    private void failWith(Throwable e) {
        synchronized (this) {
            if (failure == null) {
                failure = new SlotLogException("could not make records durable in " + dir, e);
            }
        }
        log.error("{}: journal or slot-file write failed; the slot must stop serving", dir, e);
    }

    private FileSlotLog(Path dir, int slot, LogFlusher flusher, long segmentMaxBytes) {
        this.dir = dir;
        this.slot = slot;
        this.flusher = flusher;
        this.segmentMaxBytes = segmentMaxBytes;
    }

    /**
     * Opens (creating if needed) slot {@code slot}'s log in {@code dir}, cutting any torn tail; in
     * journal mode, then appends what the journal holds for the slot past that point (records
     * acknowledged before a crash whose slot-file copy did not reach the disk).
     */
    public static FileSlotLog open(Path dir, int slot, LogFlusher flusher, long segmentMaxBytes) throws IOException {
        Files.createDirectories(dir);
        FileSlotLog l = new FileSlotLog(dir, slot, flusher, segmentMaxBytes);
        l.recover();
        Journal journal = flusher.journal();
        if (journal != null) {
            l.catchUp(journal.recoveredFor(slot));
        }
        flusher.register(l);
        return l;
    }

    public static FileSlotLog open(Path dir, LogFlusher flusher, long segmentMaxBytes) throws IOException {
        return open(dir, 0, flusher, segmentMaxBytes);
    }

    public static FileSlotLog open(Path dir, LogFlusher flusher) throws IOException {
        return open(dir, 0, flusher, DEFAULT_SEGMENT_BYTES);
    }

    // ------------------------------------------------------------------ recovery

    private void recover() throws IOException {
        loadNewestSnapshot();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        long expected = -1;
        boolean cut = false;
        for (Path file : files) {
            long first = Long.parseLong(file.getFileName().toString().replace(".log", ""));
            if (cut) {
                log.warn("{}: removing segment {} after a cut tail", dir, file.getFileName());
                Files.delete(file);
                continue;
            }
            if (expected >= 0 && first != expected + 1) {
                log.warn("{}: segment {} does not follow position {}; cutting the log there", dir, file.getFileName(), expected);
                Files.delete(file);
                cut = true;
                continue;
            }
            ScanResult scan = scan(file, first, null, -1);
            if (scan.records == 0) {
                Files.delete(file);
                if (scan.corrupt) {
                    cut = true;
                }
                continue;
            }
            if (scan.corrupt) {
                log.warn("{}: torn or corrupt tail in {} at byte {} after position {}; cutting it", dir,
                        file.getFileName(), scan.validBytes, scan.lastPosition);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(scan.validBytes);
                    ch.force(true);
                }
                cut = true;
            }
            segmentSizes.put(first, scan.validBytes);
            expected = scan.lastPosition;
        }
        lastPosition = Math.max(expected, snapshotPosition);
        durablePosition = lastPosition;
        deleteCoveredSegments();
    }

    private record ScanResult(long records, long lastPosition, long validBytes, boolean corrupt) {}

    /** Reads frames of one segment; hands those after {@code after} to {@code replayer} if given. */
    private static ScanResult scan(Path file, long first, SlotLog.Replayer replayer, long after) throws IOException {
        long records = 0;
        long position = first - 1;
        long valid = 0;
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            while (true) {
                int len;
                try {
                    len = in.readInt();
                } catch (EOFException e) {
                    return new ScanResult(records, position, valid, false);
                }
                try {
                    int checksum = in.readInt();
                    long pos = in.readLong();
                    if (len < 0 || len > MAX_RECORD || pos != position + 1) {
                        return new ScanResult(records, position, valid, true);
                    }
                    byte[] payload = new byte[len];
                    in.readFully(payload);
                    crc.reset();
                    crc.update(ByteBuffer.allocate(8).putLong(0, pos));
                    crc.update(payload);
                    if ((int) crc.getValue() != checksum) {
                        return new ScanResult(records, position, valid, true);
                    }
                    if (replayer != null && pos > after) {
                        replayer.record(pos, payload);
                    }
                    position = pos;
                    records++;
                    valid += FRAME_HEADER + len;
                } catch (EOFException e) {
                    return new ScanResult(records, position, valid, true);
                }
            }
        }
    }

    private void loadNewestSnapshot() throws IOException {
        List<Path> snaps;
        try (Stream<Path> s = Files.list(dir)) {
            snaps = s.filter(p -> p.getFileName().toString().startsWith("snapshot-")).sorted().toList();
        }
        Path chosen = null;
        for (int i = snaps.size() - 1; i >= 0; i--) {
            Path p = snaps.get(i);
            if (p.getFileName().toString().endsWith(".snap") && readSnapshot(p) != null) {
                chosen = p;
                break;
            }
        }
        for (Path p : snaps) {
            if (!p.equals(chosen)) {
                Files.deleteIfExists(p);
            }
        }
        if (chosen != null) {
            Snapshot s = readSnapshot(chosen);
            snapshotPosition = s.position;
            snapshotBytes = Files.size(chosen);
        }
    }

    private record Snapshot(long position, byte[] bytes) {}

    private static Snapshot readSnapshot(Path p) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(p), 1 << 16))) {
            if (in.readInt() != SNAPSHOT_MAGIC) {
                return null;
            }
            long position = in.readLong();
            int len = in.readInt();
            int checksum = in.readInt();
            if (len < 0) {
                return null;
            }
            byte[] bytes = new byte[len];
            in.readFully(bytes);
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            return (int) crc.getValue() == checksum ? new Snapshot(position, bytes) : null;
        } catch (EOFException e) {
            return null;
        }
    }

    private Path snapshotFile() {
        return dir.resolve(String.format("snapshot-%020d.snap", snapshotPosition));
    }

    @Override
    public void replay(Replayer replayer) throws IOException {
        long from;
        List<Map.Entry<Long, Long>> segments;
        synchronized (ioLock) {
            if (current != null) {
                writeUnwritten();
            }
            if (snapshotPosition >= 0) {
                Snapshot s = readSnapshot(snapshotFile());
                if (s == null) {
                    throw new IOException("snapshot " + snapshotFile() + " became unreadable");
                }
                replayer.snapshot(s.position, s.bytes);
            }
            from = snapshotPosition;
            segments = new ArrayList<>(segmentSizes.entrySet());
        }
        for (Map.Entry<Long, Long> seg : segments) {
            Long next = segmentSizes.higherKey(seg.getKey());
            if (next != null && next - 1 <= from) {
                continue;
            }
            scan(segmentPath(seg.getKey()), seg.getKey(), replayer, from);
        }
    }

    private Path segmentPath(long first) {
        return dir.resolve(String.format("%020d.log", first));
    }

    // ------------------------------------------------------------------ appends

    @Override
    public CompletableFuture<Long> append(byte[] record) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        if (record.length > MAX_RECORD) {
            future.completeExceptionally(new IllegalArgumentException("record of " + record.length + " bytes"));
            return future;
        }
        CRC32C crc = new CRC32C();
        boolean schedule;
        synchronized (this) {
            if (failure != null) {
                future.completeExceptionally(failure);
                return future;
            }
            long position = ++lastPosition;
            crc.update(ByteBuffer.allocate(8).putLong(0, position));
            crc.update(record);
            ensureCapacity(FRAME_HEADER + record.length);
            ByteBuffer frame = ByteBuffer.wrap(buffer, length, FRAME_HEADER);
            frame.putInt(record.length).putInt((int) crc.getValue()).putLong(position);
            System.arraycopy(record, 0, buffer, length + FRAME_HEADER, record.length);
            length += FRAME_HEADER + record.length;
            pending.add(new PendingAppend(position, future));
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            flusher.schedule(this);
        }
        return future;
    }

    private void ensureCapacity(int extra) {
        if (length + extra > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
        }
    }

    @Override
    public CompletableFuture<Void> sync() {
        boolean schedule;
        CompletableFuture<Void> future;
        synchronized (this) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (lastPosition <= durablePosition) {
                return CompletableFuture.completedFuture(null);
            }
            future = new CompletableFuture<>();
            syncs.add(new PendingSync(lastPosition, future));
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            flusher.schedule(this);
        }
        return future;
    }

    /** A sync barrier some completed flush already covers. Under this object's monitor. */
    private boolean hasReadySync() {
        for (PendingSync p : syncs) {
            if (p.position <= durablePosition) {
                return true;
            }
        }
        return false;
    }

    /** After the durable position advanced: schedule a flush to complete the syncs it covers. */
    private void wakeSyncs() {
        boolean schedule;
        synchronized (this) {
            schedule = !scheduled && hasReadySync();
            if (schedule) {
                scheduled = true;
            }
        }
        if (schedule) {
            flusher.schedule(this);
        }
    }

    @Override
    public synchronized long lastPosition() {
        return lastPosition;
    }

    /** Called by the flusher: write the buffered frames, fsync, report what became durable. */
    Flushed flush() {
        try {
            return flushOnce();
        } finally {
            // A log stays "scheduled" for the whole of its flush, so no other flusher thread can
            // take it meanwhile and write later bytes before earlier ones. Whatever arrived during
            // this flush is scheduled now.
            boolean again;
            synchronized (this) {
                again = length > 0 || hasReadySync();
                scheduled = again;
            }
            if (again) {
                flusher.schedule(this);
            }
        }
    }

    private Flushed flushOnce() {
        byte[] out;
        int n;
        List<PendingAppend> appends;
        List<PendingSync> waiting;
        long upTo;
        synchronized (this) {
            out = buffer;
            n = length;
            if (n > 0) {
                // Swap in the spare buffer (a flush with nothing to write keeps the current one:
                // sync-only flushes are frequent, and a fresh 64 KiB each time was most of the
                // broker's garbage under streaming workers).
                buffer = spare != null ? spare : new byte[Math.max(64 << 10, Math.min(out.length, 4 << 20))];
                spare = null;
            }
            length = 0;
            appends = pending;
            pending = new ArrayList<>();
            waiting = syncs;
            syncs = new ArrayList<>();
            upTo = lastPosition;
            if (failure != null) {
                return new Flushed(this, upTo, appends, waiting, 0, 0, failure);
            }
        }
        if (n == 0) {
            // Only sync barriers whose records an earlier flush has made durable and completed.
            // The others wait for that flush, still completing on another thread: it wakes them
            // ({@link #wakeSyncs}), so a sync never finishes before the appends it covers.
            List<PendingSync> ready = new ArrayList<>();
            synchronized (this) {
                for (PendingSync p : waiting) {
                    if (p.position <= durablePosition) {
                        ready.add(p);
                    } else {
                        syncs.add(p);
                    }
                }
            }
            return ready.isEmpty() ? null : new Flushed(this, upTo, List.of(), ready, 0, 0, null);
        }
        Journal journal = flusher.journal();
        long fsyncNanos;
        try {
            synchronized (ioLock) {
                boolean newSegment = rollIfNeeded(appends.get(0).position);
                long t0 = System.nanoTime();
                if (journal != null) {
                    // Durable once the journal commits (the flusher does that after this batch);
                    // this file gets the frames later and is fsynced in the background, both
                    // before the journal forgets them.
                    holdForSlotFile(out, n);
                    journal.add(slot, out, 0, n);
                    unforced = true;
                    directoryUnforced |= newSegment;
                } else {
                    writeFully(current, out, n);
                    current.force(false);
                    if (newSegment) {
                        forceDirectory();
                    }
                }
                fsyncNanos = System.nanoTime() - t0;
                segmentSizes.merge(currentFirst, (long) n, Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            SlotLogException error = new SlotLogException("could not make records durable in " + dir, e);
            synchronized (this) {
                failure = error;
                appends.addAll(pending);
                pending.clear();
                waiting.addAll(syncs);
                syncs.clear();
            }
            log.error("{}: log failed; the slot must stop serving", dir, e);
            return new Flushed(this, upTo, appends, waiting, 0, 0, error);
        }
        synchronized (this) {
            if (out.length <= 4 << 20) {
                spare = out;
            }
        }
        return new Flushed(this, upTo, appends, waiting, fsyncNanos, n, null);
    }

    /** Journal mode: keeps frames for the open segment, writing them once a batch has gathered. Under ioLock. */
    private void holdForSlotFile(byte[] frames, int n) throws IOException {
        if (unwrittenLength + n > SLOT_WRITE_BATCH) {
            writeUnwritten();
        }
        if (n >= SLOT_WRITE_BATCH) {
            writeSlotFile(frames, n); // a large flush goes straight to the file
            return;
        }
        if (unwritten == null) {
            unwritten = new byte[SLOT_WRITE_BATCH];
        }
        System.arraycopy(frames, 0, unwritten, unwrittenLength, n);
        unwrittenLength += n;
    }

    /** Journal mode: writes the held frames to the open segment. Under ioLock. */
    private void writeUnwritten() throws IOException {
        if (unwrittenLength > 0) {
            writeSlotFile(unwritten, unwrittenLength);
            unwrittenLength = 0;
        }
    }

    /**
     * Journal mode: one run of frames to the open segment. After a failed write, part of the run
     * may be in the file, and writing it again would repeat frames that the journal may then
     * forget. So the first failure is final: the log stops taking appends; held frames it could not
     * write stay held, so every later force fails and the journal keeps them; and reopening cuts
     * the file at the torn run and takes the rest from the journal. (A failed large flush was
     * never added to the journal nor acknowledged.) Under ioLock.
     */
    private void writeSlotFile(byte[] frames, int n) throws IOException {
        if (slotFileFailure != null) {
            throw new IOException("an earlier write to " + dir + " failed", slotFileFailure);
        }
        try {
            writeFully(current, frames, n);
        } catch (IOException | RuntimeException e) {
            slotFileFailure = e;
            failWith(e);
            throw e;
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes, int n) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(bytes, 0, n);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
    }

    /** Starts a new segment when none is open, the current one is full, or a checkpoint asked. */
    private boolean rollIfNeeded(long firstPosition) throws IOException {
        if (current != null && !rollRequested && segmentSizes.get(currentFirst) < segmentMaxBytes) {
            return false;
        }
        if (current != null) {
            writeUnwritten();
            if (flusher.journal() != null) {
                // Journal mode: its records are durable in the journal; fsyncing them here would
                // stall every slot's commits behind megabytes of writes. The checkpointer forces
                // and closes it before the journal forgets them (always, even if it just forced
                // this segment: it may have read "unforced" before the last write landed).
                unforcedClosed.add(current);
                unforced = true;
            } else {
                current.close();
            }
        }
        current = FileChannel.open(segmentPath(firstPosition), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentFirst = firstPosition;
        segmentSizes.put(firstPosition, 0L);
        rollRequested = false;
        deleteCoveredSegments();
        return true;
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * Appends the journal's frames for this slot that lie past the recovered log, then fsyncs. The
     * journal's frames are exactly the slot file's frames (position and CRC included); any at or
     * below the recovered position are already here. A gap means lost acknowledged records: fail.
     */
    private void catchUp(List<byte[]> runs) throws IOException {
        if (runs.isEmpty()) {
            return;
        }
        java.io.ByteArrayOutputStream missing = new java.io.ByteArrayOutputStream();
        long first = -1;
        long expected = lastPosition + 1;
        for (byte[] run : runs) {
            ByteBuffer bb = ByteBuffer.wrap(run);
            while (bb.remaining() >= FRAME_HEADER) {
                int start = bb.position();
                int len = bb.getInt();
                bb.getInt();
                long pos = bb.getLong();
                if (len < 0 || len > bb.remaining()) {
                    throw new IOException(dir + ": malformed frame in the journal");
                }
                bb.position(bb.position() + len);
                if (pos < expected) {
                    continue;
                }
                if (pos != expected) {
                    throw new IOException(dir + ": the journal jumps from position " + (expected - 1) + " to " + pos
                            + "; acknowledged records are missing");
                }
                if (first < 0) {
                    first = pos;
                }
                missing.write(run, start, FRAME_HEADER + len);
                expected++;
            }
        }
        if (first < 0) {
            return;
        }
        synchronized (ioLock) {
            rollIfNeeded(first);
            byte[] bytes = missing.toByteArray();
            int n = bytes.length;
            writeFully(current, bytes, n);
            current.force(false);
            forceDirectory();
            segmentSizes.merge(currentFirst, (long) n, Long::sum);
        }
        synchronized (this) {
            lastPosition = expected - 1;
            durablePosition = lastPosition;
        }
        log.info("{}: recovered records {}..{} from the journal", dir, first, expected - 1);
    }

    /**
     * Journal mode: fsyncs what was written to this slot's files, so the journal may drop it.
     * Called by the background checkpointer after the journal rolls.
     */
    void forceToDisk() throws IOException {
        FileChannel ch;
        List<FileChannel> rolled;
        boolean directory;
        synchronized (ioLock) {
            if (!unforced) {
                return;
            }
            writeUnwritten();
            ch = current;
            rolled = List.copyOf(unforcedClosed);
            unforcedClosed.clear();
            unforced = false;
            directory = directoryUnforced;
            directoryUnforced = false;
        }
        // Outside ioLock: the flusher keeps writing this slot (FileChannel allows a force beside
        // writes), so a large background fsync never stalls the request path.
        try {
            for (FileChannel r : rolled) {
                r.force(false);
            }
            try {
                if (ch != null) {
                    ch.force(false);
                }
            } catch (java.nio.channels.ClosedChannelException e) {
                // dropped meanwhile by a checkpoint that covers all of it
            }
            if (directory) {
                forceDirectory();
            }
        } catch (IOException | RuntimeException e) {
            // Still unforced: the journal must keep these records. And a failed fsync may have
            // dropped dirty pages (a retry can then succeed without them), so this slot stops
            // taking appends; it is recovered from its files and the journal when reopened.
            synchronized (ioLock) {
                unforced = true;
                directoryUnforced |= directory;
                unforcedClosed.addAll(0, rolled);
            }
            failWith(e);
            throw e;
        }
        for (FileChannel r : rolled) {
            r.close();
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public void checkpoint(long position, byte[] snapshot) throws IOException {
        // The snapshot file is written and fsynced outside ioLock, so the flusher is not held up.
        Path tmp = dir.resolve(String.format("snapshot-%020d.snap.tmp", position));
        CRC32C crc = new CRC32C();
        crc.update(snapshot);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(20).putInt(SNAPSHOT_MAGIC).putLong(position)
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
        synchronized (ioLock) {
            if (current != null) {
                writeUnwritten();
            }
            Path previous = snapshotPosition >= 0 ? snapshotFile() : null;
            snapshotPosition = position;
            Files.move(tmp, snapshotFile(), StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
            snapshotBytes = 20L + snapshot.length;
            if (previous != null && !previous.equals(snapshotFile())) {
                Files.deleteIfExists(previous);
            }
            rollRequested = true;
            if (current != null && currentFirst >= 0 && durablePosition <= position && lastPosition() <= position) {
                // Everything in the open segment is covered and nothing waits: drop it now rather than
                // at the next append, so an idle slot's disk use falls to its snapshot.
                current.close();
                current = null;
                currentFirst = -1;
            }
            deleteCoveredSegments();
        }
    }

    /** Deletes segments every record of which is at or below the snapshot (never the open one). */
    private void deleteCoveredSegments() throws IOException {
        if (snapshotPosition < 0) {
            return;
        }
        List<Long> firsts = new ArrayList<>(segmentSizes.keySet());
        for (int i = 0; i < firsts.size(); i++) {
            long first = firsts.get(i);
            if (first == currentFirst && current != null) {
                continue;
            }
            long last = i + 1 < firsts.size() ? firsts.get(i + 1) - 1 : durablePosition;
            if (last <= snapshotPosition) {
                try {
                    Files.delete(segmentPath(first));
                } catch (NoSuchFileException e) {
                    // already gone
                }
                segmentSizes.remove(first);
            }
        }
    }

    @Override
    public long bytesSinceCheckpoint() {
        synchronized (ioLock) {
            long bytes = 0;
            for (long size : segmentSizes.values()) {
                bytes += size;
            }
            return bytes;
        }
    }

    @Override
    public long storageBytes() {
        synchronized (ioLock) {
            return bytesSinceCheckpoint() + (snapshotPosition >= 0 ? snapshotBytes : 0);
        }
    }

    /** Number of segment files (for tests of reclamation). */
    int segmentCount() {
        synchronized (ioLock) {
            return segmentSizes.size();
        }
    }

    @Override
    public void close() {
        sync().exceptionally(e -> null).join();
        synchronized (this) {
            if (failure == null) {
                failure = new SlotLogException("log closed: " + dir, null);
            }
        }
        synchronized (ioLock) {
            try {
                for (FileChannel r : unforcedClosed) {
                    try (r) {
                        r.force(false);
                    }
                }
                unforcedClosed.clear();
                if (current != null) {
                    writeUnwritten();
                    if (unforced) {
                        current.force(false);
                        forceDirectory();
                        unforced = false;
                    }
                    current.close();
                }
            } catch (IOException e) {
                log.warn("{}: closing segment", dir, e);
            }
            current = null;
        }
        flusher.unregister(this);
    }
}
