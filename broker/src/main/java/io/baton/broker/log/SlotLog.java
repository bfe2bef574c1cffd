package io.baton.broker.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * The append-only log of one slot.
 *
 * <p>Contract (checked by the shared contract tests every implementation passes):
 * <ul>
 *   <li>Positions start at 0 and grow by one per record, with no gaps, for the life of the slot
 *       (across reopenings and checkpoints).</li>
 *   <li>{@link #append} may be called from any thread; records take positions in call order. Its
 *       future completes with the record's position only once that record and every earlier one
 *       are durable, and completes exceptionally if they cannot be made durable — after which the
 *       log refuses further appends.</li>
 *   <li>{@link #replay} presents the latest checkpoint (if any), then every record after it, in
 *       order. A torn tail left by a crash is cut, never reported as a failure; damage that could
 *       lose acknowledged records fails the replay (or the open) instead, and changes nothing.</li>
 *   <li>Snapshots are streams both ways, never one array, so a slot of many GiB can
 *       checkpoint.</li>
 *   <li>After {@link #checkpoint}, records at or below the checkpoint position may disappear from
 *       storage; replay never presents them again.</li>
 * </ul>
 */
public interface SlotLog extends AutoCloseable {

    /** Receives what {@link #replay} finds. */
    interface Replayer {
        /**
         * The latest checkpoint: a snapshot covering every record up to {@code position}. Its
         * integrity is checked as it is read: once this returns, the log reads whatever is left
         * and fails the replay if the snapshot is damaged, so build nothing that outlives a failed
         * replay from it.
         */
        void snapshot(long position, InputStream snapshot) throws IOException;

        void record(long position, byte[] record) throws IOException;
    }

    /** Writes a snapshot into the stream the log gives it (the log buffers and checksums it). */
    interface SnapshotWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    CompletableFuture<Long> append(byte[] record);

    /** Completes once every record appended before this call is durable. */
    CompletableFuture<Void> sync();

    /** The position of the last record appended, durable or not; -1 for an empty log. */
    long lastPosition();

    void replay(Replayer replayer) throws IOException;

    /**
     * Stores the snapshot {@code snapshot} writes, the state after every record up to
     * {@code position}, durably; then storage for those records may be reclaimed. Returns once the
     * snapshot is durable; if it throws, the previous snapshot stays the latest. May run on any
     * thread while appends continue (records after {@code position} are kept); never two at once,
     * and never concurrently with {@link #close}.
     */
    void checkpoint(long position, SnapshotWriter snapshot) throws IOException;

    /** Bytes of records kept since the last checkpoint (what replay would read). */
    long bytesSinceCheckpoint();

    /** Bytes this log occupies in storage, snapshot included. */
    long storageBytes();

    @Override
    void close();
}
