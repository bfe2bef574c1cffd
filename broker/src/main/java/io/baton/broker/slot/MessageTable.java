package io.baton.broker.slot;

import java.util.Arrays;

/**
 * One queue's messages in arrival order, stored column by column in primitive arrays: no object
 * per message, so a waiting message costs its body plus about 70 bytes. Bodies are copied into
 * the queue's {@link BodyArena} (large chunks that young collections never copy). Sequence numbers
 * only grow, so the columns are sorted by sequence and a message is found by binary search; positions
 * shift when the table compacts, which is why nothing outside keeps an index across mutations.
 *
 * <p>A dead (deleted or expired) entry keeps its sequence until the next compaction but drops its
 * body at once (its chunk reference; the arena moves live bodies out of mostly-dead chunks).
 * Compaction happens when the arrays fill up or when live entries fall under an eighth of the
 * capacity, so memory follows live data and every operation is amortised O(1) or O(log n).
 */
final class MessageTable {
    private static final int MIN_CAPACITY = 8;

    long[] seq;
    long[] postedAt;
    long[] expiresAt;
    long[] clientHi;
    long[] clientLo;
    /** The claim that holds the message or held it last (0: never claimed or released). */
    long[] claim;
    /** The TTL reported to clients, in seconds (raised by claim grace). */
    int[] ttl;
    /** The chunk holding the body; null marks a dead entry. */
    BodyArena.Chunk[] chunk;
    int[] bodyOff;
    int[] bodyLen;
    final BodyArena arena = new BodyArena();

    /** Live entries sit in [head, tail), mixed with dead ones. */
    int head;
    int tail;
    private int live;

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
        chunk = new BodyArena.Chunk[capacity];
        bodyOff = new int[capacity];
        bodyLen = new int[capacity];
    }

    int live() {
        return live;
    }

    long liveBodyBytes() {
        return arena.liveBytes();
    }

    int capacity() {
        return seq.length;
    }

    boolean isLive(int i) {
        return chunk[i] != null;
    }


    /** Appends a message; its sequence must exceed every sequence already in the table. */
    void append(long s, long posted, long expires, int ttlSeconds, long hi, long lo, byte[] b) {
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
        bodyOff[i] = arena.store(b);
        chunk[i] = arena.storedChunk();
        bodyLen[i] = b.length;
        live++;
    }

    /** Marks entry {@code i} dead and frees its body. May compact: indices are stale afterwards. */
    void kill(int i) {
        arena.release(chunk[i], bodyLen[i]);
        chunk[i] = null;
        live--;
        while (head < tail && chunk[head] == null) {
            head++;
        }
        while (tail > head && chunk[tail - 1] == null) {
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
        if (arena.needsCompaction()) {
            compactBodies();
        }
    }

    /**
     * Moves the live bodies of mostly-dead chunks into the current chunk, so those chunks become
     * garbage. Runs when dead bytes pinned by live ones exceed the live bytes (plus slack), so the
     * bytes moved never exceed the bytes freed, and the scan is paid for by the deletions since the
     * last one.
     */
    private void compactBodies() {
        for (int i = head; i < tail; i++) {
            BodyArena.Chunk c = chunk[i];
            if (c != null && arena.isSparse(c)) {
                int len = bodyLen[i];
                bodyOff[i] = arena.store(c.data, bodyOff[i], len);
                chunk[i] = arena.storedChunk();
                arena.release(c, len);
            }
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
        BodyArena.Chunk[] ch = new BodyArena.Chunk[capacity];
        int[] off = new int[capacity];
        int[] len = new int[capacity];
        int n = 0;
        for (int i = head; i < tail; i++) {
            if (chunk[i] != null) {
                s[n] = seq[i];
                p[n] = postedAt[i];
                e[n] = expiresAt[i];
                hi[n] = clientHi[i];
                lo[n] = clientLo[i];
                c[n] = claim[i];
                t[n] = ttl[i];
                ch[n] = chunk[i];
                off[n] = bodyOff[i];
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
        chunk = ch;
        bodyOff = off;
        bodyLen = len;
        head = 0;
        tail = n;
    }

    /** The index of the live message with sequence {@code s}, or -1. */
    int indexOf(long s) {
        int i = Arrays.binarySearch(seq, head, tail, s);
        return i >= 0 && chunk[i] != null ? i : -1;
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

    /** Approximate heap footprint of the columns (bodies excluded), for the benchmarks. */
    long columnBytes() {
        return (long) seq.length * (6 * 8 + 8 + 3 * 4);
    }
}
