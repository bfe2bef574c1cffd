package io.baton.broker.slot;

import java.util.Arrays;

/**
 * Up to {@link #MAX} consecutive messages of one queue, column by column, with every number stored
 * as a 32-bit difference from the block's base: about 25 bytes a message where plain long columns
 * took 64. A column whose values stop fitting (an address far from the base, a lifetime extended
 * past 24 days) turns wide for this block only. Client ids are interned per block: a byte per
 * message names one of at most {@link #MAX_CLIENTS} (most batches come from one producer). The
 * claim column exists only once a message of the block has been claimed, so a backlog nobody
 * works on pays nothing for it.
 *
 * <p>A message that came back from a claim keeps its ended attempts ({@link Ledger}) here, and one
 * moved here from another queue its {@link Origin}: two columns that exist only once a message of
 * the block has one, as values that never change (a new attempt replaces the ledger). Kept in the
 * block rather than in maps by sequence so that a snapshot takes them with the block, by reference:
 * a dead-letter queue of a million messages, each with its ledger and origin, used to be copied
 * message by message on the slot thread at every checkpoint.
 *
 * <p>Copy on write: a snapshot keeps blocks as they were by {@link #freeze freezing} them; the
 * table copies a frozen block before changing it, so the snapshot's writer reads a block no
 * thread changes any more. {@link #minExpiry} is the exception: a hint the writer never reads.
 */
final class MessageBlock {
    static final int MAX = 1024;
    static final int MAX_CLIENTS = 256;

    /** Bits of {@link #len} besides the length. */
    static final int UNCHECKED = 1 << 31;
    static final int DEAD = 1 << 30;
    static final int UNPLACED = 1 << 29;
    static final int LENGTH_MASK = UNPLACED - 1;

    final long baseSeq;
    final long baseTime;
    final long baseAddr;

    private int[] seq;
    private int[] posted;
    private int[] expires;
    private long[] wideExpires;
    private int[] ttl;
    private byte[] client;
    /** Interned client ids as (hi, lo) pairs. */
    private long[] clients;
    private int clientCount;
    /** Null until a message of the block is claimed. */
    private long[] claim;
    private int[] addr;
    private long[] wideAddr;
    private int[] len;
    /** Null until a message of the block has ended attempts. */
    private Ledger[] ledgers;
    /** Null until a message was moved into the block from another queue. */
    private Origin[] origins;

    int size;
    /** The first entry that may be live: entries before it are dead. */
    int start;
    int live;
    /** At most the earliest expiry of a live entry (a lower bound: extensions do not raise it). */
    long minExpiry = Long.MAX_VALUE;
    private boolean frozen;

    private MessageBlock(long baseSeq, long baseTime, long baseAddr) {
        this.baseSeq = baseSeq;
        this.baseTime = baseTime;
        this.baseAddr = baseAddr;
    }

    static MessageBlock empty(long baseSeq, long baseTime, long baseAddr, int capacity) {
        MessageBlock b = new MessageBlock(baseSeq, baseTime, baseAddr);
        b.seq = new int[capacity];
        b.posted = new int[capacity];
        b.expires = new int[capacity];
        b.ttl = new int[capacity];
        b.client = new byte[capacity];
        b.clients = new long[8];
        b.addr = new int[capacity];
        b.len = new int[capacity];
        return b;
    }

    int capacity() {
        return seq.length;
    }

    boolean frozen() {
        return frozen;
    }

    void freeze() {
        frozen = true;
    }

    // ------------------------------------------------------------------ reads

    long seq(int i) {
        return baseSeq + Integer.toUnsignedLong(seq[i]);
    }

    long postedAt(int i) {
        return baseTime + posted[i];
    }

    long expiresAt(int i) {
        return wideExpires != null ? wideExpires[i] : baseTime + expires[i];
    }

    int ttl(int i) {
        return ttl[i];
    }

    long clientHi(int i) {
        return clients[2 * (client[i] & 0xff)];
    }

    long clientLo(int i) {
        return clients[2 * (client[i] & 0xff) + 1];
    }

    boolean sameClient(int i, long hi, long lo) {
        int k = 2 * (client[i] & 0xff);
        return clients[k] == hi && clients[k + 1] == lo;
    }

    long claim(int i) {
        return claim == null ? 0 : claim[i];
    }

    boolean isLive(int i) {
        return (len[i] & DEAD) == 0;
    }

    boolean unplaced(int i) {
        return (len[i] & UNPLACED) != 0;
    }

    long bodyAddr(int i) {
        return wideAddr != null ? wideAddr[i] : baseAddr + addr[i];
    }

    int length(int i) {
        return len[i] & LENGTH_MASK;
    }

    boolean checked(int i) {
        return (len[i] & UNCHECKED) == 0;
    }

    /** The offset of {@code s} in [start, size), or where it would go ({@code -(insertion) - 1}). */
    int search(long s) {
        long d = s - baseSeq;
        if (d < 0) {
            return -(start + 1);
        }
        if (d > 0xffff_ffffL) {
            return -(size + 1);
        }
        int lo = start;
        int hi = size - 1;
        int key = (int) d;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Integer.compareUnsigned(seq[mid], key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    // ------------------------------------------------------------------ appends

    /** Whether a message with these values can be appended without a new block (room aside). */
    boolean accepts(long s, long postedAt, long hi, long lo) {
        long d = s - baseSeq;
        return d >= 0 && d <= 0xffff_ffffL && fitsInt(postedAt - baseTime)
                && (clientCount < MAX_CLIENTS || clientIndex(hi, lo) >= 0);
    }

    private static boolean fitsInt(long v) {
        return v == (int) v;
    }

    private int clientIndex(long hi, long lo) {
        for (int k = clientCount - 1; k >= 0; k--) {
            if (clients[2 * k] == hi && clients[2 * k + 1] == lo) {
                return k;
            }
        }
        return -1;
    }

    /** Appends at {@link #size}; the caller checked {@link #accepts} and room. */
    void append(long s, long postedAt, long expiresAt, int ttlSeconds, long hi, long lo, long claimSeq, long address,
                int lengthAndFlags) {
        int i = size++;
        seq[i] = (int) (s - baseSeq);
        posted[i] = (int) (postedAt - baseTime);
        ttl[i] = ttlSeconds;
        int k = clientCount > 0 && sameClientAt(clientCount - 1, hi, lo) ? clientCount - 1 : clientIndex(hi, lo);
        if (k < 0) {
            if (2 * clientCount == clients.length) {
                clients = Arrays.copyOf(clients, clients.length * 2);
            }
            k = clientCount++;
            clients[2 * k] = hi;
            clients[2 * k + 1] = lo;
        }
        client[i] = (byte) k;
        len[i] = lengthAndFlags;
        setExpires(i, expiresAt);
        setAddr(i, address);
        if (claimSeq != 0) {
            setClaim(i, claimSeq);
        }
        if ((lengthAndFlags & DEAD) == 0) {
            live++;
            minExpiry = Math.min(minExpiry, expiresAt);
        }
    }

    private boolean sameClientAt(int k, long hi, long lo) {
        return clients[2 * k] == hi && clients[2 * k + 1] == lo;
    }

    // ------------------------------------------------------------------ changes (never on a frozen block)

    void setClaim(int i, long claimSeq) {
        if (claim == null) {
            if (claimSeq == 0) {
                return;
            }
            claim = new long[seq.length];
        }
        claim[i] = claimSeq;
    }

    void setExpires(int i, long expiresAt) {
        if (wideExpires == null) {
            long d = expiresAt - baseTime;
            if (fitsInt(d)) {
                expires[i] = (int) d;
                return;
            }
            wideExpires = widened(expires, baseTime);
            expires = null;
        }
        wideExpires[i] = expiresAt;
    }

    void setTtl(int i, int ttlSeconds) {
        ttl[i] = ttlSeconds;
    }

    void setAddr(int i, long address) {
        if (wideAddr == null) {
            long d = address - baseAddr;
            if (fitsInt(d)) {
                addr[i] = (int) d;
                return;
            }
            wideAddr = widened(addr, baseAddr);
            addr = null;
        }
        wideAddr[i] = address;
    }

    /** A column of differences from {@code base} as full values, with room for the block's capacity. */
    private long[] widened(int[] differences, long base) {
        long[] wide = new long[seq.length];
        for (int k = 0; k < size; k++) {
            wide[k] = base + differences[k];
        }
        return wide;
    }

    void setLengthAndFlags(int i, int lengthAndFlags) {
        len[i] = lengthAndFlags;
    }

    /** Entry {@code i}'s ended attempts, or null (never came back from a claim). */
    Ledger ledger(int i) {
        return ledgers == null ? null : ledgers[i];
    }

    /** Where entry {@code i} was moved from, or null (posted here). */
    Origin origin(int i) {
        return origins == null ? null : origins[i];
    }

    /** Whether any entry of the block ever had an origin (a block without one is skipped at once). */
    boolean hasOrigins() {
        return origins != null;
    }

    void setLedger(int i, Ledger l) {
        if (ledgers == null) {
            if (l == null) {
                return;
            }
            ledgers = new Ledger[capacity()];
        }
        ledgers[i] = l;
    }

    void setOrigin(int i, Origin o) {
        if (origins == null) {
            if (o == null) {
                return;
            }
            origins = new Origin[capacity()];
        }
        origins[i] = o;
    }

    /** Marks entry {@code i} dead and moves {@link #start} past leading dead entries. */
    void kill(int i) {
        setLedger(i, null);
        setOrigin(i, null);
        len[i] |= DEAD;
        live--;
        while (start < size && !isLive(start)) {
            start++;
        }
    }

    // ------------------------------------------------------------------ copies

    /** A writable copy with room for {@code capacity} entries (growth, or copy on write). */
    MessageBlock copy(int capacity) {
        MessageBlock b = new MessageBlock(baseSeq, baseTime, baseAddr);
        b.seq = Arrays.copyOf(seq, capacity);
        b.posted = Arrays.copyOf(posted, capacity);
        b.expires = expires == null ? null : Arrays.copyOf(expires, capacity);
        b.wideExpires = wideExpires == null ? null : Arrays.copyOf(wideExpires, capacity);
        b.ttl = Arrays.copyOf(ttl, capacity);
        b.client = Arrays.copyOf(client, capacity);
        b.clients = clients.clone();
        b.clientCount = clientCount;
        b.claim = claim == null ? null : Arrays.copyOf(claim, capacity);
        b.addr = addr == null ? null : Arrays.copyOf(addr, capacity);
        b.wideAddr = wideAddr == null ? null : Arrays.copyOf(wideAddr, capacity);
        b.len = Arrays.copyOf(len, capacity);
        b.ledgers = ledgers == null ? null : Arrays.copyOf(ledgers, capacity);
        b.origins = origins == null ? null : Arrays.copyOf(origins, capacity);
        b.size = size;
        b.start = start;
        b.live = live;
        b.minExpiry = minExpiry;
        return b;
    }

    /**
     * Appends every live entry of {@code from} (whose sequences all exceed this block's) if they all
     * fit here, and says whether they did; nothing is appended otherwise.
     */
    boolean takeLive(MessageBlock from) {
        if (size + from.live > capacity()) {
            return false;
        }
        for (int i = from.start; i < from.size; i++) {
            if (from.isLive(i) && !accepts(from.seq(i), from.postedAt(i), from.clientHi(i), from.clientLo(i))) {
                return false;
            }
        }
        // Interning may still run out of client slots part-way: count the distinct new ones first.
        int extra = 0;
        for (int k = 0; k < from.clientCount; k++) {
            if (clientIndex(from.clients[2 * k], from.clients[2 * k + 1]) < 0 && usedBy(from, k)) {
                extra++;
            }
        }
        if (clientCount + extra > MAX_CLIENTS) {
            return false;
        }
        for (int i = from.start; i < from.size; i++) {
            if (from.isLive(i)) {
                append(from.seq(i), from.postedAt(i), from.expiresAt(i), from.ttl(i), from.clientHi(i), from.clientLo(i),
                        from.claim(i), from.bodyAddr(i), from.len[i]);
                setLedger(size - 1, from.ledger(i));
                setOrigin(size - 1, from.origin(i));
            }
        }
        return true;
    }

    private static boolean usedBy(MessageBlock b, int clientIndex) {
        for (int i = b.start; i < b.size; i++) {
            if (b.isLive(i) && (b.client[i] & 0xff) == clientIndex) {
                return true;
            }
        }
        return false;
    }

    /** Approximate heap bytes of this block. */
    long heapBytes() {
        long perEntry = 4 + 4 + (wideExpires != null ? 8 : 4) + 4 + 1 + (claim != null ? 8 : 0)
                + (wideAddr != null ? 8 : 4) + 4;
        return 96 + 8 * 16 + perEntry * capacity() + 8L * clients.length
                + (ledgers != null ? 16 + 4L * capacity() : 0) + (origins != null ? 16 + 4L * capacity() : 0);
    }
}
