package io.baton.broker.slot;

/**
 * Where a record's message bodies lie in the slot's log: the record's address (the log's number
 * for its first byte) plus each body's offset in the record. A body's address points at its bytes;
 * in records of the current format its CRC32C comes in the {@link RecordCodec#BODY_CHECK} bytes
 * before them ({@code checked}).
 */
public record Placement(long address, int[] bodyOffsets, boolean checked) {
    public long bodyAddress(int k) {
        return address + bodyOffsets[k];
    }
}
