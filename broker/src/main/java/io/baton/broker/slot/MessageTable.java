package io.baton.broker.slot;

import java.util.Arrays;

/**
 * One queue's messages in arrival order, in {@link MessageBlock blocks} of at most
 * {@value MessageBlock#MAX}: no object per message, and no array that grows by doubling, so memory
 * follows the live messages within a block's worth. A message's body is not here: it stays in the
 * slot's log, and the table keeps its address and length ({@link Body} loads it when a reply needs
 * it). Sequence numbers only grow, so blocks and the entries in each are sorted by sequence and a
 * message is found by two binary searches.
 *
 * <p>A position names an entry as (block index &lt;&lt; 32 | offset). Positions go stale when the
 * table changes (blocks are dropped, shrunk, merged or copied), which is why nothing outside keeps
 * one across a mutation.
 *
 * <p>Memory: a block whose last live entry goes is dropped; a block (other than the last) that is
 * less than half live is rewritten with only its live entries and merged into the block before it
 * when both fit in one. Expiry is kept per block ({@link MessageBlock#minExpiry}) in a small heap
 * of blocks, not per message: messages of one block usually come from one stretch of time with
 * one TTL, so a block is scanned about once when its messages expire.
 *
 * <p>Snapshots: {@link #freeze} hands out the blocks as they are and marks them frozen; any later
 * change copies the block first. Capturing a queue therefore costs a reference per block on the
 * slot thread, whatever the backlog.
 */
final class MessageTable {
    private static final int FIRST_CAPACITY = 8;
    /** Position of no entry. */
    static final long NONE = -1;

    private MessageBlock[] blocks = new MessageBlock[4];
    private int count;
    private int live;
    private long liveBodyBytes;
    /** (lower bound of a block's earliest expiry, a sequence of that block): blocks to scan for expiry. */
    private final LongHeap expiryByBlock = new LongHeap();

    int live() {
        return live;
    }

    long liveBodyBytes() {
        return liveBodyBytes;
    }

    int blockCount() {
        return count;
    }

    /** Block {@code b}, for invariant checks. */
    MessageBlock blockAt(int b) {
        return blocks[b];
    }

    // ------------------------------------------------------------------ positions

    private static long pos(int block, int offset) {
        return (long) block << 32 | offset;
    }

    private MessageBlock block(long pos) {
        return blocks[(int) (pos >>> 32)];
    }

    private static int off(long pos) {
        return (int) pos;
    }

    /** The position after the last entry. */
    long end() {
        return pos(count, 0);
    }

    /** The first position (may be a dead entry, or {@link #end}). */
    long first() {
        return count == 0 ? end() : pos(0, blocks[0].start);
    }

    long next(long pos) {
        int b = (int) (pos >>> 32);
        int o = off(pos) + 1;
        if (o < blocks[b].size) {
            return pos(b, o);
        }
        return b + 1 < count ? pos(b + 1, blocks[b + 1].start) : end();
    }

    /** The index of the last block whose base sequence is at most {@code s}, or -1. */
    private int floorBlock(long s) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (blocks[mid].baseSeq <= s) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The position of the live message with sequence {@code s}, or {@link #NONE}. */
    long indexOf(long s) {
        int b = floorBlock(s);
        if (b < 0) {
            return NONE;
        }
        int o = blocks[b].search(s);
        return o >= 0 && blocks[b].isLive(o) ? pos(b, o) : NONE;
    }

    /** The first position whose sequence is greater than {@code s} (may be dead, may be {@link #end}). */
    long firstAfter(long s) {
        int b = floorBlock(s);
        if (b < 0) {
            return first();
        }
        int o = blocks[b].search(s);
        o = o >= 0 ? o + 1 : -(o + 1);
        if (o < blocks[b].size) {
            return pos(b, Math.max(o, blocks[b].start));
        }
        return b + 1 < count ? pos(b + 1, blocks[b + 1].start) : end();
    }

    /** The oldest live message's position, or {@link #NONE}. */
    long oldest() {
        for (long p = first(); p != end(); p = next(p)) {
            if (isLive(p)) {
                return p;
            }
        }
        return NONE;
    }

    /** The newest live message's position, or {@link #NONE}. */
    long newest() {
        for (int b = count - 1; b >= 0; b--) {
            MessageBlock k = blocks[b];
            for (int o = k.size - 1; o >= k.start; o--) {
                if (k.isLive(o)) {
                    return pos(b, o);
                }
            }
        }
        return NONE;
    }

    // ------------------------------------------------------------------ reads

    boolean isLive(long p) {
        return block(p).isLive(off(p));
    }

    long seq(long p) {
        return block(p).seq(off(p));
    }

    long postedAt(long p) {
        return block(p).postedAt(off(p));
    }

    long expiresAt(long p) {
        return block(p).expiresAt(off(p));
    }

    int ttl(long p) {
        return block(p).ttl(off(p));
    }

    boolean sameClient(long p, long hi, long lo) {
        return block(p).sameClient(off(p), hi, lo);
    }

    /** The claim that holds the message or held it last (0: never claimed, or released). */
    long claim(long p) {
        return block(p).claim(off(p));
    }

    /** Where the body's bytes start in the log; meaningless when {@link #unplaced}. */
    long bodyAddr(long p) {
        return block(p).bodyAddr(off(p));
    }

    /** Whether the body is in memory only, not yet in the log (restored from a snapshot of the first formats). */
    boolean unplaced(long p) {
        return block(p).unplaced(off(p));
    }

    int length(long p) {
        return block(p).length(off(p));
    }

    boolean checked(long p) {
        return block(p).checked(off(p));
    }

    /** Entry {@code p}'s ended attempts, or null. */
    Ledger ledger(long p) {
        return block(p).ledger(off(p));
    }

    /** Where entry {@code p} was moved from, or null. */
    Origin origin(long p) {
        return block(p).origin(off(p));
    }

    /**
     * The first position at or after {@code p} of a live entry that was moved here (has an
     * origin), or {@link #end}; blocks that never held one are skipped whole.
     */
    long nextMovedIn(long p) {
        while (p != end()) {
            int b = (int) (p >>> 32);
            MessageBlock k = blocks[b];
            if (k.hasOrigins()) {
                for (int o = Math.max(off(p), k.start); o < k.size; o++) {
                    if (k.isLive(o) && k.origin(o) != null) {
                        return pos(b, o);
                    }
                }
            }
            p = b + 1 < count ? pos(b + 1, blocks[b + 1].start) : end();
        }
        return p;
    }

    // ------------------------------------------------------------------ changes

    void setLedger(long p, Ledger l) {
        writable((int) (p >>> 32)).setLedger(off(p), l);
    }

    void setOrigin(long p, Origin o) {
        writable((int) (p >>> 32)).setOrigin(off(p), o);
    }

    /** Appends a message; its sequence must exceed every sequence already in the table. */
    void append(long s, long posted, long expires, int ttlSeconds, long hi, long lo, long address, int length, boolean checked) {
        append(s, posted, expires, ttlSeconds, hi, lo, 0, address, length | (checked ? 0 : MessageBlock.UNCHECKED));
    }

    /** Appends a message whose body is in memory only until it is written to the log. */
    void appendUnplaced(long s, long posted, long expires, int ttlSeconds, long hi, long lo, long claim, int length) {
        append(s, posted, expires, ttlSeconds, hi, lo, claim, 0, length | MessageBlock.UNPLACED);
    }

    /** Appends a message as a snapshot holds it, claim included. */
    void restore(long s, long posted, long expires, int ttlSeconds, long hi, long lo, long claim, long address,
                 int length, boolean checked) {
        append(s, posted, expires, ttlSeconds, hi, lo, claim, address, length | (checked ? 0 : MessageBlock.UNCHECKED));
    }

    private void append(long s, long posted, long expires, int ttlSeconds, long hi, long lo, long claim, long address,
                        int lengthAndFlags) {
        MessageBlock tail = count == 0 ? null : blocks[count - 1];
        if (tail != null && tail.accepts(s, posted, hi, lo)) {
            if (tail.size == tail.capacity()) {
                if (tail.live <= tail.capacity() / 2) {
                    // Workers keep up: most of the block is dead. Keep its live entries, not its size.
                    MessageBlock compact = MessageBlock.empty(tail.baseSeq, tail.baseTime, tail.baseAddr, tail.capacity());
                    compact.takeLive(tail);
                    tail = compact;
                } else {
                    tail = tail.capacity() < MessageBlock.MAX ? tail.copy(Math.min(MessageBlock.MAX, 2 * tail.capacity())) : null;
                }
            } else if (tail.frozen()) {
                tail = tail.copy(tail.capacity());
            }
            if (tail != null) {
                blocks[count - 1] = tail;
            }
        } else {
            if (tail != null && tail.size >= 16 && tail.live < tail.size / 2) {
                shrink(count - 1); // sealed by a jump in sequence, time or producers while mostly dead
            }
            tail = null;
        }
        if (tail == null) {
            // A backlog's blocks start full-sized (no growing copies); a short queue's start small.
            int capacity = live >= MessageBlock.MAX ? MessageBlock.MAX
                    : Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(1, live)) << 1);
            tail = MessageBlock.empty(s, posted, address, capacity);
            insertBlock(count, tail);
        }
        long before = tail.minExpiry;
        tail.append(s, posted, expires, ttlSeconds, hi, lo, claim, address, lengthAndFlags);
        if (tail.minExpiry < before) {
            pushExpiry(tail);
        }
        live++;
        liveBodyBytes += lengthAndFlags & MessageBlock.LENGTH_MASK;
    }

    private void insertBlock(int at, MessageBlock b) {
        if (count == blocks.length) {
            blocks = Arrays.copyOf(blocks, 2 * count);
        }
        System.arraycopy(blocks, at, blocks, at + 1, count - at);
        blocks[at] = b;
        count++;
    }

    private void removeBlock(int at) {
        System.arraycopy(blocks, at + 1, blocks, at, count - at - 1);
        blocks[--count] = null;
        if (blocks.length > 16 && count < blocks.length / 4) {
            blocks = Arrays.copyOf(blocks, blocks.length / 2);
        }
    }

    /** The block at {@code b}, copied first if a snapshot holds it. */
    private MessageBlock writable(int b) {
        MessageBlock k = blocks[b];
        if (k.frozen()) {
            k = k.copy(k.capacity());
            blocks[b] = k;
        }
        return k;
    }

    void setClaim(long p, long claimSeq) {
        writable((int) (p >>> 32)).setClaim(off(p), claimSeq);
    }

    /** Raises the message's expiry (claim grace); the block's expiry bound stays a lower bound. */
    void extend(long p, long expiresAt, int ttlSeconds) {
        MessageBlock k = writable((int) (p >>> 32));
        k.setExpires(off(p), expiresAt);
        k.setTtl(off(p), ttlSeconds);
    }

    /** The body of entry {@code p} now lies at {@code address}. */
    void moveBody(long p, long address, boolean checked) {
        MessageBlock k = writable((int) (p >>> 32));
        int o = off(p);
        k.setAddr(o, address);
        k.setLengthAndFlags(o, k.length(o) | (checked ? 0 : MessageBlock.UNCHECKED));
    }

    /** Marks entry {@code p} dead. May drop, shrink or merge blocks: positions are stale afterwards. */
    void kill(long p) {
        int b = (int) (p >>> 32);
        MessageBlock k = writable(b);
        int o = off(p);
        liveBodyBytes -= k.length(o);
        live--;
        k.kill(o);
        if (k.live == 0) {
            removeBlock(b);
        } else if (b < count - 1 && k.size >= 16 && k.live < k.size / 2) {
            shrink(b);
        }
    }

    /** Rewrites block {@code b} with its live entries only, into the block before it when both fit. */
    private void shrink(int b) {
        MessageBlock k = blocks[b];
        if (b > 0) {
            MessageBlock before = blocks[b - 1];
            if (before.live + k.live <= MessageBlock.MAX) {
                MessageBlock merged = MessageBlock.empty(before.baseSeq, before.baseTime, before.baseAddr,
                        before.live + k.live);
                if (merged.takeLive(before) && merged.takeLive(k)) {
                    blocks[b - 1] = merged;
                    removeBlock(b);
                    pushExpiry(merged);
                    return;
                }
            }
        }
        MessageBlock compact = MessageBlock.empty(k.baseSeq, k.baseTime, k.baseAddr, k.live);
        compact.takeLive(k);
        blocks[b] = compact;
        pushExpiry(compact);
    }

    // ------------------------------------------------------------------ expiry

    /**
     * The sequences of live messages whose expiry is at or before {@code now}, ascending per block;
     * the caller removes them. Scans only blocks whose earliest expiry has come.
     */
    long[] expiredBy(long now) {
        long[] out = null;
        int n = 0;
        while (!expiryByBlock.isEmpty() && expiryByBlock.peekKey() <= now) {
            long s = expiryByBlock.peekValue();
            expiryByBlock.pop();
            int b = floorBlock(s);
            if (b < 0) {
                continue;
            }
            if (blocks[b].minExpiry > now) {
                // The bound this entry carried was raised since (the block was rewritten without its
                // earliest messages): it may have been the block's only entry, so put the new one in.
                expiryByBlock.push(blocks[b].minExpiry, blocks[b].baseSeq);
                continue;
            }
            MessageBlock k = blocks[b];
            long min = Long.MAX_VALUE;
            for (int o = k.start; o < k.size; o++) {
                if (!k.isLive(o)) {
                    continue;
                }
                long e = k.expiresAt(o);
                if (e <= now) {
                    if (out == null) {
                        out = new long[Math.min(k.live, 64)];
                    } else if (n == out.length) {
                        out = Arrays.copyOf(out, 2 * n);
                    }
                    out[n++] = k.seq(o);
                } else {
                    min = Math.min(min, e);
                }
            }
            // A hint the snapshot writer never reads: set even on a frozen block (see MessageBlock).
            k.minExpiry = min;
            if (min != Long.MAX_VALUE) {
                expiryByBlock.push(min, k.baseSeq);
            }
        }
        if (expiryByBlock.size() > 2 * count + 64) {
            rebuildExpiryHeap();
        }
        return out == null ? NO_SEQS : n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static final long[] NO_SEQS = new long[0];

    private void pushExpiry(MessageBlock b) {
        expiryByBlock.push(b.minExpiry, b.baseSeq);
        if (expiryByBlock.size() > 2 * count + 64) {
            rebuildExpiryHeap();
        }
    }

    private void rebuildExpiryHeap() {
        long[] keys = new long[count];
        long[] values = new long[count];
        int n = 0;
        for (int b = 0; b < count; b++) {
            if (blocks[b].minExpiry != Long.MAX_VALUE) {
                keys[n] = blocks[b].minExpiry;
                values[n] = blocks[b].baseSeq;
                n++;
            }
        }
        expiryByBlock.rebuild(keys, values, n);
    }

    // ------------------------------------------------------------------ snapshots

    /** The blocks as they are, frozen: later changes copy a block before touching it. */
    MessageBlock[] freeze() {
        MessageBlock[] out = Arrays.copyOf(blocks, count);
        for (MessageBlock b : out) {
            b.freeze();
        }
        return out;
    }

    /** Approximate heap footprint of the blocks and the expiry heap, for the benchmarks. */
    long heapBytes() {
        long bytes = 16L + 8L * blocks.length + expiryByBlock.heapBytes();
        for (int b = 0; b < count; b++) {
            bytes += blocks[b].heapBytes();
        }
        return bytes;
    }
}
