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

    private final int[] posted = new int[BUCKETS];
    private final int[] deleted = new int[BUCKETS];
    private final int[] deadLettered = new int[BUCKETS];
    /** The number (time / BUCKET_MS) of the newest bucket written; the others are the ones before it. */
    private long newest = Long.MIN_VALUE;

    void posted(long time, int n) {
        int i = bucket(time);
        if (i >= 0) {
            posted[i] += n;
        }
    }

    void deleted(long time, int n) {
        int i = bucket(time);
        if (i >= 0) {
            deleted[i] += n;
        }
    }

    void deadLettered(long time, int n) {
        int i = bucket(time);
        if (i >= 0) {
            deadLettered[i] += n;
        }
    }

    /** The index of {@code time}'s bucket, moving the window forward to it; -1 when it is older than the window. */
    private int bucket(long time) {
        long b = Math.floorDiv(time, BUCKET_MS);
        if (b > newest) {
            clear(newest, b);
            newest = b;
        } else if (b <= newest - BUCKETS) {
            return -1;
        }
        return Math.floorMod(b, BUCKETS);
    }

    /** Empties the buckets after {@code from} up to {@code to} (they are reused for the new spans). */
    private void clear(long from, long to) {
        long start = from == Long.MIN_VALUE ? to - BUCKETS + 1 : Math.max(from + 1, to - BUCKETS + 1);
        for (long b = start; b <= to; b++) {
            int i = Math.floorMod(b, BUCKETS);
            posted[i] = 0;
            deleted[i] = 0;
            deadLettered[i] = 0;
        }
    }

    /** The window ending with the bucket that holds {@code now}, oldest first. */
    Views.Rates view(long now) {
        long end = Math.floorDiv(now, BUCKET_MS);
        int[] p = new int[BUCKETS];
        int[] d = new int[BUCKETS];
        int[] dl = new int[BUCKETS];
        for (int k = 0; k < BUCKETS; k++) {
            long b = end - BUCKETS + 1 + k;
            if (b <= newest && b > newest - BUCKETS) {
                int i = Math.floorMod(b, BUCKETS);
                p[k] = posted[i];
                d[k] = deleted[i];
                dl[k] = deadLettered[i];
            }
        }
        return new Views.Rates((end + 1) * BUCKET_MS, BUCKET_MS, p, d, dl);
    }
}
