package io.baton.broker.slot;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Recent publish request ids of one project ({@link RequestIdWindows}) and the sequences they were given, so that a retried publish is
 * answered with the first attempt's ids instead of being stored twice. Entries leave after a time
 * window or when the window is full, oldest first, both judged by record time, so replay rebuilds
 * the same window.
 *
 * <p>Why primitive arrays and digests: a busy slot keeps up to 100,000 entries for minutes. As
 * objects (a string key, a map entry, a value) every one survived several young collections and
 * was copied each time; that copying was most of the broker's GC pause at 2,000 publishes/s. Here
 * an entry is five numbers in a ring, found through an open-addressing index, and the garbage
 * collector sees a handful of arrays per slot. The key is the first 128 bits of SHA-256 over
 * project, queue and request id: a strong hash, so no project can make its ids collide with
 * another's (a collision would answer a publish with another publish's ids and store nothing).
 *
 * <p>Slot thread only (not thread-safe).
 */
final class RequestIdWindow {
    /** What a request id was given: its record time, first sequence and message count. */
    record Entry(long time, long firstSeq, int count) {}

    /** Receives the live entries, oldest first (for snapshots). */
    interface EntryVisitor {
        void visit(long keyHi, long keyLo, long time, long firstSeq, int count) throws java.io.IOException;
    }

    /** The snapshot size of one entry: the key's two longs, time, first sequence and count. */
    static final int ENTRY_BYTES = 8 + 8 + 8 + 8 + 4;
    private static final int MIN_CAPACITY = 16;
    private static final int DEAD = -1;

    private final long windowMillis;
    private final int maxEntries;
    private final MessageDigest sha256; // null in a copy
    // The last key digested and what it was digested from (compared by reference: see digest).
    private String lastProject;
    private String lastQueue;
    private String lastRequestId;
    private long[] lastKey;

    // The ring, oldest entry at head; "used" slots from head on, some of them dead (count == DEAD:
    // replaced by a later put of the same key).
    private long[] keyHi = new long[MIN_CAPACITY];
    private long[] keyLo = new long[MIN_CAPACITY];
    private long[] time = new long[MIN_CAPACITY];
    private long[] firstSeq = new long[MIN_CAPACITY];
    private int[] count = new int[MIN_CAPACITY];
    private int head;
    private int used;
    private int live;

    /** Linear-probing index from key to ring slot + 1 (0: empty); at most half full. */
    private int[] index = new int[2 * MIN_CAPACITY];

    RequestIdWindow(long windowMillis, int maxEntries) {
        this.windowMillis = windowMillis;
        this.maxEntries = maxEntries;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private RequestIdWindow(RequestIdWindow of) {
        this.windowMillis = of.windowMillis;
        this.maxEntries = of.maxEntries;
        this.sha256 = null;
        // The used part of the ring only, unwrapped (head 0): arrays just the size of the window,
        // so a full window's copies stay under G1's humongous-object size.
        int n = of.used;
        this.keyHi = unwrap(of.keyHi, of.head, new long[n]);
        this.keyLo = unwrap(of.keyLo, of.head, new long[n]);
        this.time = unwrap(of.time, of.head, new long[n]);
        this.firstSeq = unwrap(of.firstSeq, of.head, new long[n]);
        this.count = unwrap(of.count, of.head, new int[n]);
        this.head = 0;
        this.used = n;
        this.live = of.live;
        this.index = null;
    }

    /** Copies a ring's used part, from {@code head} and wrapping round, into {@code out} (as long as that part). */
    private static <A> A unwrap(A ring, int head, A out) {
        int ringLength = java.lang.reflect.Array.getLength(ring);
        int n = java.lang.reflect.Array.getLength(out);
        int first = Math.min(n, ringLength - head);
        System.arraycopy(ring, head, out, 0, first);
        System.arraycopy(ring, 0, out, first, n - first);
        return out;
    }

    /**
     * A detached copy for a snapshot, made by array copies (a millisecond for a full window): it
     * can only be visited ({@link #forEach}, {@link #size}, {@link #snapshotBytes}), from any thread.
     */
    RequestIdWindow copy() {
        return new RequestIdWindow(this);
    }

    /** The entry for this request id if it was given within the window before {@code now}. */
    Entry get(String project, String queue, String requestId, long now) {
        long[] key = digest(project, queue, requestId);
        int slot = find(key[0], key[1]);
        return slot >= 0 && time[slot] > now - windowMillis ? new Entry(time[slot], firstSeq[slot], count[slot]) : null;
    }

    void put(String project, String queue, String requestId, Entry entry) {
        long[] key = digest(project, queue, requestId);
        put(key[0], key[1], entry.time(), entry.firstSeq(), entry.count());
    }

    /** Adds an entry by its key digest (replay of a snapshot), then evicts what the window no longer holds. */
    void put(long hi, long lo, long entryTime, long entryFirstSeq, int entryCount) {
        int previous = find(hi, lo);
        if (previous >= 0) {
            unindex(previous);
            count[previous] = DEAD;
            live--;
        }
        if (used == keyHi.length) {
            relayout(capacityFor(live + 1));
        }
        int slot = (head + used) & (keyHi.length - 1);
        keyHi[slot] = hi;
        keyLo[slot] = lo;
        time[slot] = entryTime;
        firstSeq[slot] = entryFirstSeq;
        count[slot] = entryCount;
        used++;
        live++;
        index(slot);
        evictUpTo(entryTime);
    }

    /** Drops the entries the window no longer holds at {@code now}. */
    void expire(long now) {
        evictUpTo(now);
    }

    private void evictUpTo(long now) {
        while (used > 0) {
            int oldest = head;
            if (count[oldest] != DEAD) {
                if (live <= maxEntries && time[oldest] > now - windowMillis) {
                    break;
                }
                unindex(oldest);
                live--;
            }
            head = (head + 1) & (keyHi.length - 1);
            used--;
        }
        if (keyHi.length > MIN_CAPACITY * 4 && live < keyHi.length / 8) {
            relayout(capacityFor(live)); // a burst has left the window: give the memory back
        }
    }

    /** The smallest power of two that holds {@code entries} with room for as many again. */
    private static int capacityFor(int entries) {
        return Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, entries * 2 - 1)) << 1);
    }

    /** Visits the live entries, oldest first. */
    void forEach(EntryVisitor visitor) throws java.io.IOException {
        for (int i = 0; i < used; i++) {
            int slot = head + i < keyHi.length ? head + i : head + i - keyHi.length; // a copy's length is no power of two
            if (count[slot] != DEAD) {
                visitor.visit(keyHi[slot], keyLo[slot], time[slot], firstSeq[slot], count[slot]);
            }
        }
    }

    int size() {
        return live;
    }

    /** The window's share of a snapshot, in bytes. */
    long snapshotBytes() {
        return (long) live * ENTRY_BYTES;
    }

    // ------------------------------------------------------------------ ring and index

    /** Copies the live entries, in order, into rings of {@code capacity} (a power of two), and re-indexes them. */
    private void relayout(int capacity) {
        long[] hi = new long[capacity];
        long[] lo = new long[capacity];
        long[] t = new long[capacity];
        long[] first = new long[capacity];
        int[] n = new int[capacity];
        int k = 0;
        for (int i = 0; i < used; i++) {
            int slot = (head + i) & (keyHi.length - 1);
            if (count[slot] != DEAD) {
                hi[k] = keyHi[slot];
                lo[k] = keyLo[slot];
                t[k] = time[slot];
                first[k] = firstSeq[slot];
                n[k] = count[slot];
                k++;
            }
        }
        keyHi = hi;
        keyLo = lo;
        time = t;
        firstSeq = first;
        count = n;
        head = 0;
        used = k;
        index = new int[capacity * 2];
        for (int slot = 0; slot < k; slot++) {
            index(slot);
        }
    }

    private int home(long lo) {
        return (int) (lo ^ (lo >>> 32)) & (index.length - 1);
    }

    /** The ring slot holding this key, or -1. */
    private int find(long hi, long lo) {
        int mask = index.length - 1;
        for (int i = home(lo); index[i] != 0; i = (i + 1) & mask) {
            int slot = index[i] - 1;
            if (keyLo[slot] == lo && keyHi[slot] == hi) {
                return slot;
            }
        }
        return -1;
    }

    private void index(int slot) {
        int mask = index.length - 1;
        int i = home(keyLo[slot]);
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = slot + 1;
    }

    /** Removes a ring slot from the index, shifting later entries of its probe run back (no tombstones). */
    private void unindex(int slot) {
        int mask = index.length - 1;
        int i = home(keyLo[slot]);
        while (index[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int want = home(keyLo[index[j] - 1]);
            // Move j into the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < want && want <= j) : (hole < want || want <= j);
            if (!stays) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }

    /**
     * The key of a request id. A publish digests its id twice in a row, when its command is
     * decided and when its record is applied, with the same string instances: the last key is
     * kept so SHA-256 runs once per publish.
     */
    private long[] digest(String project, String queue, String requestId) {
        if (requestId == lastRequestId && project == lastProject && queue == lastQueue) {
            return lastKey;
        }
        sha256.reset();
        sha256.update(project.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        sha256.update(queue.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        java.nio.ByteBuffer d = java.nio.ByteBuffer.wrap(sha256.digest(requestId.getBytes(StandardCharsets.UTF_8)));
        lastProject = project;
        lastQueue = queue;
        lastRequestId = requestId;
        lastKey = new long[] {d.getLong(), d.getLong()};
        return lastKey;
    }
}
