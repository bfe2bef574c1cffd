package io.baton.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Consecutive records of a slot gathered into one BookKeeper entry, and the reading of such
 * entries back. The layout ({@code ENTRY_FORMAT_BATCH} in cluster.proto): a format byte, the first
 * record's position, the record count, then each record as its length and its bytes (big-endian).
 * An entry never mixes slots or ledgers, and its records' positions follow each other, so the
 * header's position and count say which positions the entry holds.
 *
 * <p>Not thread-safe: the log that owns it guards it.
 */
final class EntryBatch {
    static final byte FORMAT = 1;
    /** Format byte, first position, count. */
    static final int HEADER = 1 + 8 + 4;
    /** Each record's length prefix. */
    static final int RECORD_HEADER = 4;

    /** What an entry's header says. */
    record Header(long firstPosition, int count) {}

    /** Receives an entry's records: the position, the offset of its first byte in the entry, and its bytes. */
    interface Records {
        void record(long position, int offset, byte[] record) throws IOException;
    }

    /** One batch taken out to be sent: its bytes, its first position, and a future per record. */
    record Sealed(byte[] entry, long firstPosition, List<CompletableFuture<Long>> futures) {}

    private byte[] buffer = new byte[4096];
    private int length;
    private long firstPosition;
    private List<CompletableFuture<Long>> futures = new ArrayList<>();

    boolean isEmpty() {
        return futures.isEmpty();
    }

    /** Whether a record of {@code recordLength} bytes joins this batch without making it exceed {@code maxBytes}. */
    boolean fits(int recordLength, int maxBytes) {
        return isEmpty() || (long) length + RECORD_HEADER + recordLength <= maxBytes;
    }

    /** Adds the record at {@code position}; returns the offset its first byte will have in the entry. */
    int add(long position, byte[] record, CompletableFuture<Long> durable) {
        if (isEmpty()) {
            firstPosition = position;
            length = HEADER;
        } else if (position != firstPosition + futures.size()) {
            throw new IllegalStateException("position " + position + " after " + (firstPosition + futures.size() - 1));
        }
        int need = length + RECORD_HEADER + record.length;
        if (need > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(need, buffer.length * 2));
        }
        ByteBuffer.wrap(buffer).putInt(length, record.length);
        int offset = length + RECORD_HEADER;
        System.arraycopy(record, 0, buffer, offset, record.length);
        length = offset + record.length;
        futures.add(durable);
        return offset;
    }

    /** Takes the batch out as an entry, and leaves this one empty. */
    Sealed seal() {
        byte[] entry = java.util.Arrays.copyOf(buffer, length);
        entry[0] = FORMAT;
        ByteBuffer.wrap(entry, 1, 12).putLong(firstPosition).putInt(futures.size());
        Sealed sealed = new Sealed(entry, firstPosition, futures);
        futures = new ArrayList<>();
        length = 0;
        if (buffer.length > 64 << 10) {
            buffer = new byte[4096]; // a large batch passed: do not keep its buffer per idle slot
        }
        return sealed;
    }

    /** Takes out the futures of records never sent (the log failed), and leaves this batch empty. */
    List<CompletableFuture<Long>> drop() {
        List<CompletableFuture<Long>> dropped = futures;
        futures = new ArrayList<>();
        length = 0;
        return dropped;
    }

    /** Reads an entry's header; {@code where} names the entry in the error if it is not a batch. */
    static Header header(byte[] entry, String where) throws LogCorruptedException {
        if (entry.length < HEADER || entry[0] != FORMAT) {
            throw new LogCorruptedException(where + " is not a batch of records (" + entry.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(entry, 1, 12);
        long first = b.getLong();
        int count = b.getInt();
        if (count < 1 || first < 0) {
            throw new LogCorruptedException(where + " holds " + count + " records from position " + first);
        }
        return new Header(first, count);
    }

    /**
     * Presents the records of {@code entry}, which must start at position {@code expected}; returns
     * the position after its last record. Fails on an entry that does not hold what its header says.
     */
    static long read(byte[] entry, long expected, String where, Records records) throws IOException {
        Header h = header(entry, where);
        if (h.firstPosition() != expected) {
            throw new LogCorruptedException(where + " starts at position " + h.firstPosition() + ", expected " + expected);
        }
        ByteBuffer in = ByteBuffer.wrap(entry);
        int at = HEADER;
        for (int i = 0; i < h.count(); i++) {
            if (at + RECORD_HEADER > entry.length) {
                throw new LogCorruptedException(where + " ends inside its record " + i + " of " + h.count());
            }
            int len = in.getInt(at);
            at += RECORD_HEADER;
            if (len < 0 || len > entry.length - at) {
                throw new LogCorruptedException(where + ": record " + i + " of " + len + " bytes overruns the entry");
            }
            records.record(expected + i, at, java.util.Arrays.copyOfRange(entry, at, at + len));
            at += len;
        }
        if (at != entry.length) {
            throw new LogCorruptedException(where + " has " + (entry.length - at) + " bytes after its last record");
        }
        return expected + h.count();
    }
}
