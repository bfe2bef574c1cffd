package io.baton.broker.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Slot logs under {@code <data dir>/slots/<slot>}, all group-committed by one {@link LogFlusher}
 * through the shared journal in {@code <data dir>/journal} (see {@link Journal} for why).
 */
public final class FileSlotLogFactory implements SlotLogFactory {
    private final Path root;
    private final LogFlusher flusher;
    private final long segmentBytes;

    public FileSlotLogFactory(Path dataDir, FlushListener listener, long segmentBytes) throws IOException {
        this(dataDir, listener, segmentBytes, Journal.DEFAULT_SEGMENT_BYTES, Disk.REAL);
    }

    public FileSlotLogFactory(Path dataDir, FlushListener listener, long segmentBytes, long journalSegmentBytes, Disk disk)
            throws IOException {
        this.root = dataDir.resolve("slots");
        this.flusher = new LogFlusher("log-flusher", Journal.open(dataDir.resolve("journal"), journalSegmentBytes, disk), listener,
                disk);
        this.segmentBytes = segmentBytes;
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
    }
}
