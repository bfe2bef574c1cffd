package io.baton.broker.slot;

/**
 * Messages a queue took in, let go (deleted or acknowledged) and dead-lettered in each of the last
 * {@link #BUCKETS} ten-second spans, counted by the time of the record that did it. Records carry
 * the time they were decided, so replay rebuilds the same counts from the log (what a checkpoint
 * covers is not counted again: the history starts at the last snapshot). Not part of snapshots; a
 * view of recent traffic, not state anything decides on.
 */
final class Throughput {
    static final int BUCKET_MS = 10_000;
    static final int BUCKETS = 30;

    enum Kind { POSTED, DELETED, DEAD_LETTERED }

    /** The window of a queue that has seen no traffic: never counted into. */
    static final Throughput NONE = new Throughput();

    private final int[][] counts = new int[Kind.values().length][BUCKETS];
    /** The number (time / BUCKET_MS) of the newest bucket written; the others are the ones before it. */
    private long newest = Long.MIN_VALUE;

    void add(Kind kind, long time, int n) {
        int i = bucket(time);
        if (i >= 0) {
            counts[kind.ordinal()][i] += n;
        }
    }

    /** The index of {@code time}'s bucket, moving the window forward to it; -1 when it is older than the window. */
    private int bucket(long time) {
        long b = Math.floorDiv(time, BUCKET_MS);
        if (b > newest) {
            // The buckets after the newest, up to b, are reused for the new spans: empty them.
            long from = newest == Long.MIN_VALUE ? b - BUCKETS + 1 : Math.max(newest + 1, b - BUCKETS + 1);
            for (long k = from; k <= b; k++) {
                for (int[] c : counts) {
                    c[Math.floorMod(k, BUCKETS)] = 0;
                }
            }
            newest = b;
        } else if (b <= newest - BUCKETS) {
            return -1;
        }
        return Math.floorMod(b, BUCKETS);
    }

    /** The window ending with the bucket that holds {@code now}, oldest first. */
    Views.Rates view(long now) {
        long end = Math.floorDiv(now, BUCKET_MS);
        int[][] out = new int[counts.length][BUCKETS];
        for (int k = 0; k < BUCKETS; k++) {
            long b = end - BUCKETS + 1 + k;
            if (b <= newest && b > newest - BUCKETS) {
                for (int kind = 0; kind < counts.length; kind++) {
                    out[kind][k] = counts[kind][Math.floorMod(b, BUCKETS)];
                }
            }
        }
        return new Views.Rates((end + 1) * BUCKET_MS, BUCKET_MS, out[Kind.POSTED.ordinal()], out[Kind.DELETED.ordinal()],
                out[Kind.DEAD_LETTERED.ordinal()]);
    }
}
