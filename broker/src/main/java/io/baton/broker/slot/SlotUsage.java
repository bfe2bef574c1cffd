package io.baton.broker.slot;

/**
 * What a slot holds, kept current as records apply and time passes: live messages and their body
 * bytes, queues and their metadata. O(1) to read, so the broker can account memory after every
 * command without walking the queues.
 */
public final class SlotUsage {
    /**
     * Heap a waiting message costs: its columns (64 bytes), expiry-heap entry and the slack of
     * arrays that grow by doubling (HeapPerMessageBench measures 95-136 bytes at rest, and a queue
     * that doubles holds the old columns beside the new for a moment); its body stays in the log.
     */
    static final long PER_MESSAGE = 192;
    /** Heap a queue costs beside its messages: its maps, tables and arena. */
    static final long PER_QUEUE = 1024;

    long messages;
    long bodyBytes;
    long queues;
    long metadataBytes;

    public long messages() {
        return messages;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    public long queues() {
        return queues;
    }

    /** An estimate of the heap these hold (columns, indexes, queues, metadata; bodies stay in the log). */
    public long heapEstimate() {
        return messages * PER_MESSAGE + queues * PER_QUEUE + metadataBytes;
    }
}
