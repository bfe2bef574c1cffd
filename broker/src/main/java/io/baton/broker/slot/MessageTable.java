package io.baton.broker.slot;

import java.util.Arrays;

/**
 * One queue's messages in arrival order, stored column by column in primitive arrays: no object
 * per message. A message's body is not here: it stays in the slot's log, and the table keeps its
 * address and length ({@link Body} loads it when a reply needs it). Sequence numbers only grow, so
 * the columns are sorted by sequence and a message is found by binary search; positions shift when
 * the table compacts, which is why nothing outside keeps an index across mutations.
 *
 * <p>A dead (deleted or expired) entry keeps its sequence until the next compaction. Compaction
 * happens when the arrays fill up or when live entries fall under an eighth of the capacity, so
 * memory follows live data and every operation is amortised O(1) or O(log n).
 */
final class MessageTable {
    private static final int MIN_CAPACITY = 8;
    /** {@link #bodyAddr} of a dead entry. */
    static final long DEAD = -1;
    /**
     * {@link #bodyAddr} of a body that is in memory only, not yet written to the log: restored from
     * a snapshot of the first formats, which held bodies, until the broker writes it out.
     */
    static final long UNPLACED = -2;
    /** Bit of {@link #bodyLen}: the body has no checksum before it in the log (records of the first format). */
    static final int UNCHECKED = 1 << 31;

    long[] seq;
    long[] postedAt;
    long[] expiresAt;
    long[] clientHi;
    long[] clientLo;
    /** The claim that holds the message or held it last (0: never claimed or released). */
    long[] claim;
    /** The TTL reported to clients, in seconds (raised by claim grace). */
    int[] ttl;
    /** Where the body's bytes start in the slot's log ({@link #DEAD}, {@link #UNPLACED}). */
    long[] bodyAddr;
    /** The body's length, with {@link #UNCHECKED}. */
    int[] bodyLen;

    /** Live entries sit in [head, tail), mixed with dead ones. */
    int head;
    int tail;
    private int live;
    private long liveBodyBytes;

    MessageTable() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        seq = new long[capacity];
        postedAt = new long[capacity];
        expiresAt = new long[capacity];
        clientHi = new long[capacity];
        clientLo = new long[capacity];
        claim = new long[capacity];
        ttl = new int[capacity];
        bodyAddr = new long[capacity];
        bodyLen = new int[capacity];
    }

    int live() {
        return live;
    }

    long liveBodyBytes() {
        return liveBodyBytes;
    }

    int capacity() {
        return seq.length;
    }

    boolean isLive(int i) {
        return bodyAddr[i] != DEAD;
    }

    int length(int i) {
        return bodyLen[i] & ~UNCHECKED;
    }

    boolean checked(int i) {
        return (bodyLen[i] & UNCHECKED) == 0;
    }

    /** Appends a message; its sequence must exceed every sequence already in the table. */
    void append(long s, long posted, long expires, int ttlSeconds, long hi, long lo, long address, int length, boolean checked) {
        if (tail == seq.length) {
            int capacity = seq.length;
            if (live + 1 > capacity / 2) {
                capacity *= 2;
            }
            compactInto(capacity);
        }
        int i = tail++;
        seq[i] = s;
        postedAt[i] = posted;
        expiresAt[i] = expires;
        clientHi[i] = hi;
        clientLo[i] = lo;
        claim[i] = 0;
        ttl[i] = ttlSeconds;
        bodyAddr[i] = address;
        bodyLen[i] = length | (checked ? 0 : UNCHECKED);
        live++;
        liveBodyBytes += length;
    }

    /** The body of entry {@code i} now lies at {@code address}. */
    void moveBody(int i, long address, boolean checked) {
        bodyAddr[i] = address;
        bodyLen[i] = length(i) | (checked ? 0 : UNCHECKED);
    }

    /** Marks entry {@code i} dead. May compact: indices are stale afterwards. */
    void kill(int i) {
        liveBodyBytes -= length(i);
        bodyAddr[i] = DEAD;
        live--;
        while (head < tail && bodyAddr[head] == DEAD) {
            head++;
        }
        while (tail > head && bodyAddr[tail - 1] == DEAD) {
            tail--;
        }
        if (head == tail) {
            head = 0;
            tail = 0;
        }
        int capacity = seq.length;
        if (capacity > 64 && live <= capacity >>> 3) {
            compactInto(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, live)) << 2));
        }
    }

    private void compactInto(int capacity) {
        long[] s = new long[capacity];
        long[] p = new long[capacity];
        long[] e = new long[capacity];
        long[] hi = new long[capacity];
        long[] lo = new long[capacity];
        long[] c = new long[capacity];
        int[] t = new int[capacity];
        long[] a = new long[capacity];
        int[] len = new int[capacity];
        int n = 0;
        for (int i = head; i < tail; i++) {
            if (bodyAddr[i] != DEAD) {
                s[n] = seq[i];
                p[n] = postedAt[i];
                e[n] = expiresAt[i];
                hi[n] = clientHi[i];
                lo[n] = clientLo[i];
                c[n] = claim[i];
                t[n] = ttl[i];
                a[n] = bodyAddr[i];
                len[n] = bodyLen[i];
                n++;
            }
        }
        seq = s;
        postedAt = p;
        expiresAt = e;
        clientHi = hi;
        clientLo = lo;
        claim = c;
        ttl = t;
        bodyAddr = a;
        bodyLen = len;
        head = 0;
        tail = n;
    }

    /** The index of the live message with sequence {@code s}, or -1. */
    int indexOf(long s) {
        int i = Arrays.binarySearch(seq, head, tail, s);
        return i >= 0 && bodyAddr[i] != DEAD ? i : -1;
    }

    /** The first index whose sequence is greater than {@code s} (may be dead, may be {@code tail}). */
    int firstAfter(long s) {
        int i = Arrays.binarySearch(seq, head, tail, s);
        return i >= 0 ? i + 1 : -(i + 1);
    }

    /** The first live index, or -1. */
    int oldest() {
        return head < tail ? head : -1;
    }

    /** The last live index, or -1. */
    int newest() {
        return head < tail ? tail - 1 : -1;
    }

    /** Approximate heap footprint of the columns, for the benchmarks. */
    long columnBytes() {
        return (long) seq.length * (7 * 8 + 2 * 4);
    }
}
