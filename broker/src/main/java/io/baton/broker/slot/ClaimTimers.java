package io.baton.broker.slot;

import java.util.Arrays;

/**
 * The expiries of a queue's active claims and holds: a binary min-heap by (expiry, sequence) in
 * which each claim knows its own position ({@link Claim#timerSlot}), so a claim that ends early
 * (acknowledged, released) leaves at once and a renewed one moves in place.
 *
 * <p>Why not a heap of timers left to lapse: a worker's claims nearly all end long before their
 * leases do, so such a heap holds one entry per claim made within a lease's length (millions at a
 * high rate with the default 60 s lease, each popped through every level of an array that size
 * when its time comes), and it grows with the lease, not with what is held. This one holds
 * exactly the active claims. One thread only.
 */
final class ClaimTimers {
    private Claim[] heap = new Claim[16];
    private int size;

    int size() {
        return size;
    }

    /** The claim that expires first (ties: the older claim), or null. */
    Claim first() {
        return size == 0 ? null : heap[0];
    }

    void add(Claim c) {
        if (c.timerSlot >= 0) {
            throw new IllegalStateException("claim " + c.seq + " is timed already");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        c.timerSlot = size++;
        heap[c.timerSlot] = c;
        up(c.timerSlot);
    }

    /** {@code c}'s expiry changed: moves it to its place. */
    void moved(Claim c) {
        int i = c.timerSlot;
        if (i < 0) {
            throw new IllegalStateException("claim " + c.seq + " is not timed");
        }
        up(i);
        down(c.timerSlot);
    }

    /** Takes {@code c} out, if it is here. */
    void remove(Claim c) {
        int i = c.timerSlot;
        if (i < 0) {
            return;
        }
        c.timerSlot = -1;
        Claim last = heap[--size];
        heap[size] = null;
        if (i < size) {
            heap[i] = last;
            last.timerSlot = i;
            up(i);
            down(last.timerSlot);
        }
        if (heap.length > 64 && size * 4 < heap.length) {
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    private static boolean before(Claim a, Claim b) {
        return a.expiresAt < b.expiresAt || a.expiresAt == b.expiresAt && a.seq < b.seq;
    }

    private void up(int i) {
        Claim c = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Claim p = heap[parent];
            if (!before(c, p)) {
                break;
            }
            heap[i] = p;
            p.timerSlot = i;
            i = parent;
        }
        heap[i] = c;
        c.timerSlot = i;
    }

    private void down(int i) {
        Claim c = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            Claim smaller = heap[child];
            if (!before(smaller, c)) {
                break;
            }
            heap[i] = smaller;
            smaller.timerSlot = i;
            i = child;
        }
        heap[i] = c;
        c.timerSlot = i;
    }
}
