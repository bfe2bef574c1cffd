package io.baton.broker.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
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
 *   <li>Every record has an <em>address</em>: a number, meaningful to this log only, for its
 *       first payload byte, such that {@code address + k} is the address of its byte {@code k}.
 *       {@link #read} reads bytes of durable records back by address, for as long as a
 *       checkpoint says they are live (message bodies stay in the log that holds them, and only
 *       their addresses in memory). Addresses never repeat.</li>
 *   <li>{@link #replay} presents the latest checkpoint (if any), then every record after it, in
 *       order, with its address. A torn tail left by a crash is cut, never reported as a failure;
 *       damage that could lose acknowledged records fails the replay (or the open) instead, and
 *       changes nothing.</li>
 *   <li>Snapshots are streams both ways, never one array, so a slot of many GiB can
 *       checkpoint.</li>
 *   <li>After {@link #checkpoint}, records at or below the checkpoint position may disappear from
 *       storage, except where the checkpoint reported live bytes; replay never presents them
 *       again.</li>
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

        /** A record after the snapshot, and the address of its first byte. */
        void record(long position, long address, byte[] record) throws IOException;
    }

    /** What a checkpoint still needs from the records it covers: bytes that must stay readable. */
    interface LiveBytes {
        void live(long address, int length);
    }

    /** Writes a snapshot into the stream the log gives it (the log buffers and checksums it). */
    interface SnapshotWriter {
        /** Writes the snapshot, and tells {@code live} every range of the log it still refers to. */
        void writeTo(OutputStream out, LiveBytes live) throws IOException;
    }

    /** A range of addresses, {@code [from, to)}. */
    record AddressRange(long from, long to) {
        public boolean contains(long address) {
            return address >= from && address < to;
        }
    }

    /** An appended record: the address of its first byte, and its durability. */
    record Appended(long address, CompletableFuture<Long> durable) {}

    /**
     * Appends {@code record}, {@code bodyBytes} of which are message bodies: the only bytes a
     * checkpoint may later report live (-1: not known, any of them may be). The address is known
     * at once (a slot places the bodies a record carries before the record is durable);
     * {@code durable} completes as {@link #append}'s future.
     */
    Appended appendLocated(byte[] record, int bodyBytes);

    /** Appends {@code record}, without saying which of its bytes are bodies. */
    default Appended appendLocated(byte[] record) {
        return appendLocated(record, -1);
    }

    /** Appends {@code record}; the future completes with its position once it is durable. */
    default CompletableFuture<Long> append(byte[] record) {
        return appendLocated(record).durable();
    }

    /**
     * Reads {@code length} bytes at {@code address} into {@code into}. Only for bytes of records
     * already durable. Any thread; may block on storage. Throws {@link LogCorruptedException} when
     * nothing here holds those bytes any more.
     */
    void read(long address, byte[] into, int offset, int length) throws IOException;

    /** Completes once every record appended before this call is durable. */
    CompletableFuture<Void> sync();

    /** The position of the last record appended, durable or not; -1 for an empty log. */
    long lastPosition();

    void replay(Replayer replayer) throws IOException;

    /**
     * Stores the snapshot {@code snapshot} writes, the state after every record up to
     * {@code position}, durably; then storage that holds only records up to {@code position} and
     * no live bytes is reclaimed. Returns once the snapshot is durable; if it throws, the previous
     * snapshot stays the latest. May run on any thread while appends continue (records after
     * {@code position} are kept); never two at once, and never concurrently with {@link #close}.
     *
     * @return storage the snapshot covers that is kept only for live bytes making up less than
     *     half of the bodies placed in it (or of all of it, where the log does not know them) or
     *     less than an eighth of all of it, oldest first: rewriting those bytes into new records
     *     lets it go at the next checkpoint.
     */
    List<AddressRange> checkpoint(long position, SnapshotWriter snapshot) throws IOException;

    /** Bytes of records kept since the last checkpoint (what replay would read). */
    long bytesSinceCheckpoint();

    /** Bytes this log occupies in storage, snapshot included. */
    long storageBytes();

    @Override
    void close();
}
