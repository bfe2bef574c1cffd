package io.baton.broker.slot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A map from non-zero longs (sequences: claims, messages) to objects, open-addressed in two
 * arrays. Why not {@code HashMap<Long, V>}: a slot looks claims and ledgers up several times per
 * job, and each {@code HashMap} lookup boxes the key and follows a node and a key object; here a
 * lookup reads a slot of each array. Zero is never a key (no sequence is 0), so it marks an empty
 * slot, and looking it up answers null at once.
 *
 * <p>Linear probing with deletion by shifting back (no tombstones), at most half full, and halved
 * when it falls below an eighth full, so its arrays follow what it holds. One thread only.
 */
final class LongMap<V> {
    private static final int MIN_CAPACITY = 16;
    private long[] keys = new long[MIN_CAPACITY];
    private Object[] values = new Object[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    /** Fibonacci hashing: the high bits of the product, which every bit of the key reaches. */
    static int slotOf(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        if (key == 0 || size == 0) {
            return null;
        }
        int mask = keys.length - 1;
        for (int i = slotOf(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return (V) values[i];
            }
            if (k == 0) {
                return null;
            }
        }
    }

    boolean containsKey(long key) {
        return get(key) != null;
    }

    /** Maps {@code key} (not 0) to {@code value} (not null); returns what it mapped before, or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        if (key == 0) {
            throw new IllegalArgumentException("0 is not a key");
        }
        if (value == null) {
            throw new IllegalArgumentException("null is not a value");
        }
        int mask = keys.length - 1;
        int i = slotOf(key, mask);
        for (long k; (k = keys[i]) != 0; i = (i + 1) & mask) {
            if (k == key) {
                V was = (V) values[i];
                values[i] = value;
                return was;
            }
        }
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            resize(keys.length * 2);
        }
        return null;
    }

    /** Removes {@code key}; returns what it mapped, or null. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        if (key == 0 || size == 0) {
            return null;
        }
        int mask = keys.length - 1;
        int i = slotOf(key, mask);
        for (long k; (k = keys[i]) != key; i = (i + 1) & mask) {
            if (k == 0) {
                return null;
            }
        }
        V was = (V) values[i];
        // Shift back the entries after the hole that probed past it, so every key stays reachable
        // from its own slot without passing an empty one.
        for (int hole = i, j = (i + 1) & mask; ; j = (j + 1) & mask) {
            long k = keys[j];
            if (k == 0) {
                keys[hole] = 0;
                values[hole] = null;
                break;
            }
            int home = slotOf(k, mask);
            // k may move into the hole unless its home lies cyclically in (hole, j].
            if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
                keys[hole] = k;
                values[hole] = values[j];
                hole = j;
            }
        }
        size--;
        if (keys.length > MIN_CAPACITY && size * 8 < keys.length) {
            resize(keys.length / 2);
        }
        return was;
    }

    private void resize(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[capacity];
        values = new Object[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            long k = oldKeys[j];
            if (k != 0) {
                int i = slotOf(k, mask);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = k;
                values[i] = oldValues[j];
            }
        }
    }

    /** The values, in no particular order (a copy). */
    @SuppressWarnings("unchecked")
    List<V> values() {
        List<V> out = new ArrayList<>(size);
        for (int j = 0; j < keys.length; j++) {
            if (keys[j] != 0) {
                out.add((V) values[j]);
            }
        }
        return out;
    }

    /** The keys in ascending order. */
    long[] sortedKeys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        Arrays.sort(out);
        return out;
    }

    /** Approximate heap bytes of the arrays. */
    long heapBytes() {
        return 32 + 12L * keys.length;
    }
}
