package io.baton.broker.slot;

import java.util.Arrays;

/**
 * A binary min-heap of (key, value) long pairs in two primitive arrays: 16 bytes an entry and no
 * objects, so a queue of a million messages costs no more than the numbers themselves. Used for
 * message expiry (key = expiry time) and for messages handed back by claims (key = sequence).
 */
final class LongHeap {
    private long[] keys = new long[16];
    private long[] values = new long[16];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    void push(long key, long value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(key, value, keys[parent], values[parent])) {
                break;
            }
            keys[i] = keys[parent];
            values[i] = values[parent];
            i = parent;
        }
        keys[i] = key;
        values[i] = value;
    }

    long peekKey() {
        return keys[0];
    }

    long peekValue() {
        return values[0];
    }

    /** Removes the smallest entry (call peek first to read it). */
    void pop() {
        size--;
        if (size == 0) {
            return;
        }
        long key = keys[size];
        long value = values[size];
        siftDown(0, key, value);
    }

    private void siftDown(int i, long key, long value) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(keys[right], values[right], keys[child], values[child])) {
                child = right;
            }
            if (!less(keys[child], values[child], key, value)) {
                break;
            }
            keys[i] = keys[child];
            values[i] = values[child];
            i = child;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** Replaces the contents with the given pairs in O(n), shrinking the arrays to fit. */
    void rebuild(long[] newKeys, long[] newValues, int count) {
        int capacity = Math.max(16, Integer.highestOneBit(Math.max(1, count)) << 1);
        keys = Arrays.copyOf(newKeys, capacity);
        values = Arrays.copyOf(newValues, capacity);
        size = count;
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i, keys[i], values[i]);
        }
    }

    private static boolean less(long k1, long v1, long k2, long v2) {
        return k1 < k2 || (k1 == k2 && v1 < v2);
    }

    long heapBytes() {
        return 16L * keys.length;
    }
}
