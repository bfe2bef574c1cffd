package io.baton.broker.slot;

/**
 * What a slot holds, kept current as records apply and time passes: live messages and their body
 * bytes, queues and their metadata. O(1) to read, so the broker can account memory after every
 * command without walking the queues.
 */
public final class SlotUsage {
    /** Heap a waiting message costs beside its body: its columns, index entries and slack. */
    static final long PER_MESSAGE = 128;
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

    /** An estimate of the heap these hold (bodies, columns, indexes, queues, metadata). */
    public long heapEstimate() {
        return bodyBytes + messages * PER_MESSAGE + queues * PER_QUEUE + metadataBytes;
    }
}
