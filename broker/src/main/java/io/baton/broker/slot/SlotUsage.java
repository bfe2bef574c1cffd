package io.baton.broker.slot;

/**
 * What a slot holds, kept current as records apply and time passes: live messages and their body
 * bytes, queues and their metadata. O(1) to read, so the broker can account memory after every
 * command without walking the queues.
 */
public final class SlotUsage {
    /**
     * Heap a waiting message costs: its entry in a block of the queue's message table (about 25
     * bytes at rest, HeapPerMessageBench), its claim once claimed (8), and room for what comes and
     * goes with it (a block copied while a snapshot holds it, a claim's list, the returned heap).
     * Its body stays in the log.
     */
    static final long PER_MESSAGE = 40;
    /** Heap a queue costs beside its messages: its maps, tables and arena. */
    static final long PER_QUEUE = 1024;

    long messages;
    long bodyBytes;
    long queues;
    long metadataBytes;
    /** Heap the attempt ledgers take (messages that were claimed and came back). */
    long ledgerBytes;
    /** Heap the origins of messages moved here take (dead letters, redriven messages). */
    long originBytes;
    /**
     * About the bytes a snapshot writes for those ledgers and origins: with them, a dead letter's
     * share of a snapshot is more than ten times a plain message's index entry.
     */
    long notesSnapshotBytes;

    public long messages() {
        return messages;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    public long queues() {
        return queues;
    }

    /** An estimate of the heap these hold (columns, indexes, queues, metadata, ledgers, origins; bodies stay in the log). */
    public long heapEstimate() {
        return messages * PER_MESSAGE + queues * PER_QUEUE + metadataBytes + ledgerBytes + originBytes;
    }
}
