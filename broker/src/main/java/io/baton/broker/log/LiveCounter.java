package io.baton.broker.log;

import java.util.Arrays;

/**
 * Counts, per unit of storage (a segment file, a ledger), the live bytes a checkpoint reports:
 * the units are address ranges {@code [starts[i], starts[i+1])}, the last one open-ended.
 * Addresses mostly arrive in ascending order, so the last unit found is tried first.
 */
final class LiveCounter implements SlotLog.LiveBytes {
    private final long[] starts;
    private final long[] live;
    private int last;

    LiveCounter(long[] starts) {
        this.starts = starts;
        this.live = new long[starts.length];
    }

    @Override
    public void live(long address, int length) {
        int i = unitOf(address);
        if (i >= 0) {
            live[i] += length;
        }
    }

    private int unitOf(long address) {
        if (starts.length == 0 || address < starts[0]) {
            return -1;
        }
        if (address >= starts[last] && (last + 1 == starts.length || address < starts[last + 1])) {
            return last;
        }
        int i = Arrays.binarySearch(starts, address);
        last = i >= 0 ? i : -i - 2;
        return last;
    }

    /**
     * Live bytes reported in the unit starting at {@code start}; -1 for a unit this counter does
     * not know (created while the snapshot was written: keep it, whatever it holds).
     */
    long liveIn(long start) {
        int i = Arrays.binarySearch(starts, start);
        return i >= 0 ? live[i] : -1;
    }
}
