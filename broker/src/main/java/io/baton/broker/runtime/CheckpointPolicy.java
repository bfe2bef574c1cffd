package io.baton.broker.runtime;

/**
 * When to cut a slot's log: {@code minBytes} of records before a log of mostly dead records is
 * looked at, and {@code growthBytes} of a growing backlog's log before it is.
 *
 * <p>A checkpoint is due when the records since the last one are mostly dead (at least 1 MiB, or
 * {@code minBytes} if lower, and four times the live state, bodies included: a queue whose workers
 * keep up), when three quarters of the body bytes the last snapshot kept are gone (a drained
 * backlog), or when a growing backlog's log has passed {@code growthBytes} and four times the
 * index. Disk use then stays within a small multiple of live data and falls back to almost
 * nothing once a backlog drains, and a take-over replays at most about the larger of the growth
 * floor and four times the index.
 *
 * <p>The snapshot holds the index only (bodies stay where they are in the log), and capturing it
 * costs a reference per block of messages on the slot thread. Writing it still costs the disk:
 * the floors keep medium backlogs from being checkpointed every few megabytes (each checkpoint of
 * a growing backlog adds about a quarter of what the log wrote since).
 */
public record CheckpointPolicy(long minBytes, long growthBytes) {
    public CheckpointPolicy(long minBytes) {
        this(minBytes, 8 * minBytes);
    }

    public static CheckpointPolicy defaults() {
        return new CheckpointPolicy(8L << 20);
    }

    /**
     * Whether to checkpoint now, given the bytes appended since the last checkpoint, the live
     * index's estimated size, the live body bytes now and those when the last checkpoint was taken.
     */
    boolean due(long appended, long indexBytes, long bodyBytes, long bodyBytesAtCheckpoint) {
        long floor = Math.min(minBytes, 1 << 20);
        boolean mostlyDead = appended >= floor && appended >= 4 * (indexBytes + bodyBytes);
        boolean drained = bodyBytesAtCheckpoint >= floor && 4 * bodyBytes <= bodyBytesAtCheckpoint;
        boolean grown = appended >= growthBytes && appended >= 4 * indexBytes;
        return mostlyDead || drained || grown;
    }

    /** How far the appended bytes may go before the next look, after a look found nothing due. */
    long nextLook(long appended, long indexBytes) {
        return appended + Math.max(1 << 20, indexBytes / 2);
    }
}
