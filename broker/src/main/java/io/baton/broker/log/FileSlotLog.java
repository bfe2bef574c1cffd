package io.baton.broker.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot log in a directory of its own on the local disk, made durable by the broker's shared
 * {@link Journal}: appends are copied into this log's buffer, the {@link LogFlusher} puts every
 * dirty log's frames into the journal and fsyncs it once for all of them, then hands the frames to
 * this slot's {@link SegmentFiles} and completes the appends. Checkpoints go to
 * {@link SnapshotFiles}.
 *
 * <p>Opening. One process at a time owns the directory (an OS lock on {@code LOCK}). The newest
 * snapshot must be intact, and the segments after it are read frame by frame. Then what the
 * journal holds for the slot past the segments is written to them and fsynced. Where the segments
 * stop making sense (a bad checksum, a missing segment, a torn tail), what follows is moved aside
 * into {@code damaged/} only if the journal holds every record from that point: the damage is then
 * a crash's unsynced tail, and nothing acknowledged is lost. Otherwise the log refuses to open
 * ({@link LogCorruptedException}) and changes nothing: acknowledged records would be missing.
 *
 * <p>Faults. A failed journal commit fails the appends it carried; a failed slot-file write or
 * fsync leaves the records durable in the journal. Either way the log then refuses appends (the
 * slot's state is ahead of storage, or its files can no longer be trusted) and the journal keeps
 * this slot's records until a reopen has taken them.
 *
 * <p>Threads: {@link #append} and {@link #sync} from any thread (they only touch the buffer under
 * this object's monitor); the thread running the journal's commit writes (one at a time:
 * {@link LogFlusher}); checkpoints from the checkpointing thread.
 */
public final class FileSlotLog implements SlotLog {
    private static final Logger log = LoggerFactory.getLogger(FileSlotLog.class);
    static final int FRAME_HEADER = Frames.SEGMENT.header;
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    private final Path dir;
    private final int slot;
    private final LogFlusher flusher;
    private final Journal journal;
    private final SegmentFiles segments;
    private final SnapshotFiles snapshots;
    private final FileChannel lockFile;
    private final FileLock lock;

    /**
     * The largest append buffer kept for reuse. A burst grows a slot's buffer as far as it needs;
     * keeping megabytes per busy slot afterwards took a small heap's room.
     */
    private static final int RETAINED_BUFFER = 256 << 10;

    // Append side, guarded by "this".
    private byte[] buffer = new byte[64 << 10];
    private byte[] spare;
    private int length;
    /** Bytes of bodies among the buffered frames (see {@link SlotLog#appendLocated}). */
    private long bufferedBodyBytes;
    private final CRC32C crc = new CRC32C();
    private List<PendingAppend> pending = new ArrayList<>();
    private List<PendingSync> syncs = new ArrayList<>();
    private long lastPosition;
    /** Where the next frame starts in the slot's stream (its payload is FRAME_HEADER further on). */
    private long nextFrameAddress;
    private boolean scheduled;
    private SlotLogException failure;
    private volatile long durablePosition;

    private record PendingAppend(long position, CompletableFuture<Long> future) {}

    private record PendingSync(long position, CompletableFuture<Void> future) {}

    private FileSlotLog(Path dir, int slot, LogFlusher flusher, Disk disk, long segmentMaxBytes, FileChannel lockFile, FileLock lock) {
        this.dir = dir;
        this.slot = slot;
        this.flusher = flusher;
        this.journal = flusher.journal();
        this.segments = new SegmentFiles(dir, disk, segmentMaxBytes, e -> storageFault("a write or fsync of the slot files failed", e));
        this.snapshots = new SnapshotFiles(dir, disk);
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** Opens (creating if needed) slot {@code slot}'s log in {@code dir}; see the class comment. */
    public static FileSlotLog open(Path dir, int slot, LogFlusher flusher, long segmentMaxBytes) throws IOException {
        Files.createDirectories(dir);
        Disk disk = flusher.disk();
        FileChannel lockFile = disk.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            lockFile.close();
            throw new IOException(dir + " is still open in this process (a previous owner of slot " + slot + " is closing)");
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException(dir + " is locked by another process");
        }
        FileSlotLog l = new FileSlotLog(dir, slot, flusher, disk, segmentMaxBytes, lockFile, lock);
        try {
            l.recover();
        } catch (IOException | RuntimeException e) {
            try {
                l.segments.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            l.unlock();
            throw e;
        }
        flusher.register(l);
        return l;
    }

    public static FileSlotLog open(Path dir, int slot, LogFlusher flusher) throws IOException {
        return open(dir, slot, flusher, DEFAULT_SEGMENT_BYTES);
    }

    // ------------------------------------------------------------------ recovery

    private void recover() throws IOException {
        snapshots.load();
        SegmentFiles.Scan scan = segments.scan(snapshots.position(), snapshots.trailer().kept(),
                snapshots.trailer().nextAddress());
        SegmentFiles.Damage damage = scan.damage();
        long distrustFrom = journal.heldFrom(slot);
        if (damage == null && distrustFrom >= 0 && distrustFrom <= scan.lastPosition()) {
            // A write or fsync of these files failed while the slot ran: what follows the last good
            // fsync may be missing from the disk though the page cache still shows it.
            damage = segments.locate(distrustFrom, "written after the last fsync that succeeded before a storage fault");
        }
        List<byte[]> runs = journal.framesFor(slot);
        long expected = damage != null ? damage.position() : scan.lastPosition() + 1;
        if (damage != null) {
            long journalFirst = firstPositionAtOrAfter(runs, damage.position());
            if (journalFirst != damage.position()) {
                throw new LogCorruptedException(dir + ": " + damage.describe() + "; the journal does not hold position "
                        + damage.position() + (journalFirst < 0 ? "" : " (it resumes at " + journalFirst + ")")
                        + ", so acknowledged records would be lost. Nothing was changed.");
            }
            segments.cutAt(damage);
        }
        lastPosition = Math.max(expected - 1, snapshots.position());
        catchUp(runs);
        durablePosition = lastPosition;
        nextFrameAddress = segments.end();
        journal.release(slot);
    }

    /** The first position at or after {@code from} in the journal's runs, or -1. */
    private static long firstPositionAtOrAfter(List<byte[]> runs, long from) {
        for (byte[] run : runs) {
            ByteBuffer bb = ByteBuffer.wrap(run);
            while (bb.remaining() >= FRAME_HEADER) {
                int len = bb.getInt();
                bb.getInt();
                long pos = bb.getLong();
                if (pos >= from) {
                    return pos;
                }
                bb.position(bb.position() + Math.max(0, Math.min(len, bb.remaining())));
            }
        }
        return -1;
    }

    /**
     * Writes the journal's frames for this slot that lie past the segments, then fsyncs. The
     * journal's frames are exactly the segment frames (position and checksum included); those at
     * or below the recovered position are already here. A gap means lost acknowledged records.
     */
    private void catchUp(List<byte[]> runs) throws IOException {
        ByteArrayOutputStream missing = new ByteArrayOutputStream();
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
                    throw new LogCorruptedException(dir + ": malformed frame in the journal");
                }
                bb.position(bb.position() + len);
                if (pos < expected) {
                    continue;
                }
                if (pos != expected) {
                    throw new LogCorruptedException(dir + ": the journal jumps from position " + (expected - 1) + " to " + pos
                            + "; acknowledged records are missing. Nothing was changed.");
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
        segments.writeDurably(missing.toByteArray(), missing.size(), first, expected - 1);
        lastPosition = expected - 1;
        log.info("{}: recovered records {}..{} from the journal", dir, first, expected - 1);
    }

    // ------------------------------------------------------------------ appends

    @Override
    public Appended appendLocated(byte[] record, int bodyBytes) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        if (record.length > Frames.SEGMENT.maxPayload) {
            future.completeExceptionally(new IllegalArgumentException("record of " + record.length + " bytes"));
            return new Appended(-1, future);
        }
        boolean schedule;
        long address;
        synchronized (this) {
            address = nextFrameAddress + FRAME_HEADER;
            if (failure != null) {
                future.completeExceptionally(failure);
                return new Appended(address, future);
            }
            long position = ++lastPosition;
            nextFrameAddress += FRAME_HEADER + record.length;
            ensureCapacity(FRAME_HEADER + record.length);
            Frames.SEGMENT.putHeader(crc, buffer, length, position, record, 0, record.length);
            System.arraycopy(record, 0, buffer, length + FRAME_HEADER, record.length);
            length += FRAME_HEADER + record.length;
            bufferedBodyBytes += Rewriting.mayStayLive(record.length, bodyBytes);
            pending.add(new PendingAppend(position, future));
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            flusher.schedule(this);
        }
        return new Appended(address, future);
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

    @Override
    public void read(long address, byte[] into, int offset, int length) throws IOException {
        segments.read(address, into, offset, length);
    }

    // ------------------------------------------------------------------ the flusher's side

    /**
     * What one flush put into the journal. Once the journal commit that carries it succeeds, its
     * frames go to the slot files and its appends and syncs complete; if the commit fails, they
     * fail and the log stops.
     */
    final class Flushed {
        private final long first;
        private final long upTo;
        private final byte[] frames;
        private final int bytes;
        private final long bodyBytes;
        private final List<PendingAppend> appends;
        private final List<PendingSync> waiting;
        private final SlotLogException error;

        private Flushed(long first, long upTo, byte[] frames, int bytes, long bodyBytes, List<PendingAppend> appends,
                        List<PendingSync> waiting, SlotLogException error) {
            this.first = first;
            this.upTo = upTo;
            this.frames = frames;
            this.bytes = bytes;
            this.bodyBytes = bodyBytes;
            this.appends = appends;
            this.waiting = waiting;
            this.error = error;
        }

        int records() {
            return appends.size();
        }

        long bytes() {
            return bytes;
        }

        /** The journal commit carrying these frames succeeded (or there were none). The committing thread. */
        void committed() {
            if (error != null) {
                completeAll(error);
                return;
            }
            if (bytes > 0) {
                try {
                    segments.write(frames, 0, bytes, bodyBytes, first, upTo);
                } catch (IOException | RuntimeException e) {
                    // Durable in the journal all the same: acknowledge them. The segments' fault
                    // handler has stopped the log and told the journal to keep them.
                }
                synchronized (FileSlotLog.this) {
                    if (frames.length <= RETAINED_BUFFER) {
                        spare = frames;
                    }
                }
            }
            completeAll(null);
            synchronized (FileSlotLog.this) { // flushes of one log may complete on two threads: never go back
                if (upTo > durablePosition) {
                    durablePosition = upTo;
                }
            }
            // Only now: a sync() that finds these records durable must also find their appends
            // completed (a read never answers before the write it observed is acknowledged).
            wakeSyncs();
        }

        /** The journal commit carrying these frames failed: nothing in it is durable. The committing thread. */
        void failed(Throwable journalError) {
            SlotLogException e = error != null ? error : fail("the journal commit failed", journalError);
            completeAll(e);
        }

        private void completeAll(Throwable e) {
            for (PendingAppend p : appends) {
                if (e == null) {
                    p.future.complete(p.position);
                } else {
                    p.future.completeExceptionally(e);
                }
            }
            for (PendingSync s : waiting) {
                if (e == null) {
                    s.future.complete(null);
                } else {
                    s.future.completeExceptionally(e);
                }
            }
        }
    }

    /** Stops the log: appends and syncs from now on fail with the returned exception. */
    private SlotLogException fail(String what, Throwable cause) {
        return stop(new SlotLogException(dir + ": " + what + "; the slot stops serving until it is reopened", cause), true);
    }

    private SlotLogException stop(SlotLogException why, boolean loud) {
        List<PendingAppend> appends;
        List<PendingSync> waiting;
        SlotLogException e;
        synchronized (this) {
            if (failure == null) {
                failure = why;
                if (loud) {
                    log.error("{}: slot {} stops serving until it is reopened", dir, slot, why);
                }
            }
            e = failure;
            appends = pending;
            pending = new ArrayList<>();
            waiting = syncs;
            syncs = new ArrayList<>();
            length = 0;
            bufferedBodyBytes = 0;
        }
        for (PendingAppend p : appends) {
            p.future.completeExceptionally(e);
        }
        for (PendingSync s : waiting) {
            s.future.completeExceptionally(e);
        }
        return e;
    }

    /**
     * The slot files can no longer be trusted past their last good fsync: keep this slot's
     * records in the journal until a reopen has taken them, and stop.
     */
    private void storageFault(String what, Throwable cause) {
        journal.hold(slot, segments.forcedPosition() + 1);
        fail(what, cause);
    }

    /** Called by the flusher: take the buffered frames for the next journal commit (null: nothing to do). */
    Flushed flush() {
        try {
            return takeForJournal();
        } finally {
            // A log stays "scheduled" for the whole of its flush, so no other flusher thread can
            // take it meanwhile. Whatever arrived during this flush is scheduled now.
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

    private Flushed takeForJournal() {
        byte[] out;
        int n;
        List<PendingAppend> appends;
        List<PendingSync> waiting;
        long upTo;
        long bodyBytes;
        synchronized (this) {
            if (failure != null) {
                List<PendingAppend> a = pending;
                List<PendingSync> w = syncs;
                pending = new ArrayList<>();
                syncs = new ArrayList<>();
                length = 0;
                bufferedBodyBytes = 0;
                return a.isEmpty() && w.isEmpty() ? null : new Flushed(-1, lastPosition, null, 0, 0, a, w, failure);
            }
            out = buffer;
            n = length;
            if (n > 0) {
                // Swap in the spare buffer (a flush with nothing to write keeps the current one:
                // sync-only flushes are frequent, and a fresh 64 KiB each time was most of the
                // broker's garbage under streaming workers).
                buffer = spare != null ? spare : new byte[Math.max(64 << 10, Math.min(out.length, RETAINED_BUFFER))];
                spare = null;
            }
            length = 0;
            bodyBytes = bufferedBodyBytes;
            bufferedBodyBytes = 0;
            appends = pending;
            pending = new ArrayList<>();
            upTo = lastPosition;
            if (n == 0) {
                // Only sync barriers whose records an earlier flush has made durable and completed.
                // The others wait for that flush, still completing: it wakes them ({@link #wakeSyncs}),
                // so a sync never finishes before the appends it covers.
                List<PendingSync> ready = new ArrayList<>();
                List<PendingSync> later = new ArrayList<>();
                for (PendingSync p : syncs) {
                    (p.position <= durablePosition ? ready : later).add(p);
                }
                syncs = later;
                return ready.isEmpty() ? null : new Flushed(-1, upTo, null, 0, 0, List.of(), ready, null);
            }
            waiting = syncs;
            syncs = new ArrayList<>();
        }
        journal.add(slot, out, 0, n);
        return new Flushed(appends.get(0).position, upTo, out, n, bodyBytes, appends, waiting, null);
    }

    /**
     * Fsyncs what was written to this slot's files, so the journal may drop it. Called by the
     * flusher's background thread. A failure stops the log (see {@link SegmentFiles#force}).
     */
    void forceToDisk() throws IOException {
        segments.force();
    }

    // ------------------------------------------------------------------ replay and checkpoints

    @Override
    public void replay(Replayer replayer) throws IOException {
        long from = snapshots.position();
        snapshots.replay(replayer);
        segments.replay(from, replayer);
    }

    @Override
    public List<AddressRange> checkpoint(long position, SnapshotWriter snapshot) throws IOException {
        // The snapshot file is written and fsynced outside any lock the flusher needs.
        segments.writeHeld();
        LiveCounter live = new LiveCounter(segments.unitStarts());
        List<SegmentFiles.Covered> covered = new ArrayList<>();
        snapshots.write(position, out -> snapshot.writeTo(out, live), () -> {
            try {
                covered.addAll(segments.covered(position, live));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            List<SegmentFiles.Kept> kept = new ArrayList<>();
            for (SegmentFiles.Covered c : covered) {
                if (c.liveBytes() != 0) {
                    kept.add(c.segment());
                }
            }
            synchronized (this) {
                return new SnapshotFiles.Trailer(nextFrameAddress, kept);
            }
        });
        segments.requestRoll();
        List<AddressRange> sparse = new ArrayList<>();
        for (SegmentFiles.Covered c : covered) {
            SegmentFiles.Kept k = c.segment();
            if (c.liveBytes() == 0) {
                segments.delete(k);
            } else if (Rewriting.worthIt(c.liveBytes(), k.bodyBytes(), k.size())) {
                sparse.add(new AddressRange(k.firstAddress(), k.firstAddress() + k.size()));
            }
        }
        return sparse;
    }

    @Override
    public long bytesSinceCheckpoint() {
        return segments.bytesAfter(snapshots.position());
    }

    @Override
    public long storageBytes() {
        return segments.bytes() + snapshots.bytes();
    }

    /** Number of segment files (for tests of reclamation). */
    int segmentCount() {
        return segments.count();
    }

    /** Read channels open on segment files (for tests). */
    int openReaders() {
        return segments.openReaders();
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sync().exceptionally(e -> null).join();
        boolean failed;
        synchronized (this) {
            failed = failure != null;
        }
        stop(new SlotLogException("log closed: " + dir, null), false);
        try {
            segments.close();
        } catch (IOException e) {
            if (!failed) {
                journal.hold(slot, segments.forcedPosition() + 1);
            }
            log.warn("{}: closing its segments failed; the journal keeps its records", dir, e);
        }
        flusher.unregister(this);
        unlock();
    }

    private void unlock() {
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            log.warn("{}: releasing its lock", dir, e);
        }
    }
}
