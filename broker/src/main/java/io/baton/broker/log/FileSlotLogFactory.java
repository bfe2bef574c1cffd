package io.baton.broker.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Slot logs under {@code <data dir>/slots/<slot>}, all group-committed by one {@link LogFlusher}
 * through the shared journal in {@code <data dir>/journal} (see {@link Journal} for why).
 */
public final class FileSlotLogFactory implements SlotLogFactory {
    /** Where the log stops taking growth (free-space floor), and the reserve it keeps for the rest. */
    public record Space(long minFree, long reserve) {
        public static Space defaults() {
            return new Space(256L << 20, 64L << 20);
        }
    }

    /**
     * A journal commit running longer than this means the disk stopped answering: a healthy one
     * takes milliseconds, and tens of them under heavy writeback.
     */
    static final long STALLED_COMMIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Path root;
    private final LogFlusher flusher;
    private final long segmentBytes;
    private final DiskSpace space;

    public FileSlotLogFactory(Path dataDir, FlushListener listener, long segmentBytes) throws IOException {
        this(dataDir, listener, segmentBytes, Journal.DEFAULT_SEGMENT_BYTES, Disk.REAL, Space.defaults());
    }

    public FileSlotLogFactory(Path dataDir, FlushListener listener, long segmentBytes, long journalSegmentBytes, Disk disk,
                              Space space) throws IOException {
        this.root = dataDir.resolve("slots");
        this.space = new DiskSpace(dataDir, disk, space.minFree(), space.reserve());
        FlushListener checkingSpace = new FlushListener() {
            @Override
            public void flushed(long fsyncNanos, int records, long bytes) {
                listener.flushed(fsyncNanos, records, bytes);
            }

            @Override
            public void failed(Throwable error) {
                listener.failed(error);
                FileSlotLogFactory.this.space.check(); // a full disk, maybe: look now, not at the next poll
            }
        };
        this.flusher = new LogFlusher("log-flusher", Journal.open(dataDir.resolve("journal"), journalSegmentBytes, disk),
                checkingSpace, disk);
        this.segmentBytes = segmentBytes;
    }

    /** The one flusher of these logs (tests: to see which thread commits). */
    LogFlusher flusher() {
        return flusher;
    }

    /** The data directory's free space, as last read. */
    public DiskSpace space() {
        return space;
    }

    @Override
    public String kind() {
        return "file";
    }

    /**
     * New messages are refused while the disk is short of space, and while a journal commit has
     * hung (they would only pile up in memory behind it, their callers waiting without an answer).
     */
    @Override
    public String writeRefusal() {
        String refusal = space.refusal();
        return refusal != null ? refusal : storageProblem();
    }

    @Override
    public String storageProblem() {
        long running = flusher.commitRunningNanos();
        return running < STALLED_COMMIT_NANOS ? null : String.format(Locale.ROOT,
                "The broker's disk has not finished a journal commit for %.1f s: new messages are refused until"
                        + " it does, and the writes already taken wait for it.", running / 1e9);
    }

    /** How long the journal commit in progress has been waiting for the disk (0: none runs). */
    public long commitRunningNanos() {
        return flusher.commitRunningNanos();
    }

    @Override
    public SlotLog open(int slot, long epoch) throws IOException {
        // The local disk has a single writer per slot (this process, holding the directory's lock),
        // so the epoch needs no fencing here.
        return FileSlotLog.open(root.resolve(String.format("%04d", slot)), slot, flusher, segmentBytes);
    }

    @Override
    public void close() {
        flusher.close();
        space.close();
    }
}
