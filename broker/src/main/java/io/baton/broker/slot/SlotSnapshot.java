package io.baton.broker.slot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The whole state of a slot as bytes, so its log can be cut: a slot restored from a snapshot and
 * then fed the records after it equals the slot that saw every record. The form is canonical
 * (queues by name, messages and claims by sequence, and only what clients can observe, never
 * index garbage), so two equal states give equal bytes: the property tests compare states that way.
 */
public final class SlotSnapshot {
    private SlotSnapshot() {}

    /** "BSN7": as {@link #MAGIC_V6}, with publish request ids grouped by project. */
    private static final int MAGIC = 0x42534e37;
    /** "BSN6" (read, never written): as {@link #MAGIC_V5}, plus each ledger's count of silent lease expiries. */
    private static final int MAGIC_V6 = 0x42534e36;
    /**
     * "BSN5" (read, never written): as {@link #MAGIC_V4}, plus when the slot last changed hands, each claim's full lease
     * state (creation, expiry to the millisecond, whether it was extended or lost its stream, where
     * a move hold sends its messages), the attempt ledgers of messages that have one, and where
     * messages moved into a queue came from.
     */
    private static final int MAGIC_V5 = 0x42534e35;
    /**
     * "BSN4": bodies by address in the log; each message as differences from the one before it in
     * variable-length integers (about 16 bytes a message instead of 64), so a checkpoint and a
     * take-over read and write a quarter of the bytes (read, never written).
     */
    private static final int MAGIC_V4 = 0x42534e34;
    /** "BSN3": bodies by address in the log, every message field at full width (read, never written). */
    private static final int MAGIC_V3 = 0x42534e33;
    /** "BSN2": request ids as 128-bit digests, bodies in the snapshot (read, never written). */
    private static final int MAGIC_V2 = 0x42534e32;
    /** "BSN1": request ids as strings, bodies in the snapshot (read, never written). */
    private static final int MAGIC_V1 = 0x42534e31;

    /** Told every range of the log a snapshot still refers to (the live bodies). */
    public interface LiveBodies {
        LiveBodies NONE = (address, length) -> { };

        void live(long address, int length);
    }

    /** Writes the state now (tests; the broker captures on the slot thread and writes elsewhere). */
    public static void write(SlotStateMachine sm, DataOutput out) throws IOException {
        capture(sm).writeTo(out, LiveBodies.NONE);
    }

    /**
     * Takes what a snapshot holds, cheaply: the request-id window by array copies, each queue's
     * message blocks by reference (frozen: the table copies a block before changing it), claims as
     * values. Runs on the slot thread and costs a reference per block of up to 1024 messages; the
     * encoding ({@link Image#writeTo}) then runs on another thread while the slot goes on.
     */
    public static Image capture(SlotStateMachine sm) {
        List<QueueImage> queues = new ArrayList<>();
        for (TreeMap<String, QueueState> byName : sm.projects().values()) {
            for (QueueState q : byName.values()) {
                queues.add(QueueImage.of(q));
            }
        }
        return new Image(sm.slot(), sm.nextSeq(), sm.time(), sm.openedAt(), sm.requestIds().copy(), queues,
                sm.usage().notesSnapshotBytes);
    }

    /** A slot's state as of one moment, detached from the live state machine. */
    public static final class Image {
        private final int slot;
        private final long nextSeq;
        private final long time;
        private final long openedAt;
        private final RequestIdWindows requestIds;
        private final List<QueueImage> queues;
        private final long sizeEstimate;

        private Image(int slot, long nextSeq, long time, long openedAt, RequestIdWindows requestIds, List<QueueImage> queues,
                      long notesBytes) {
            this.slot = slot;
            this.nextSeq = nextSeq;
            this.time = time;
            this.openedAt = openedAt;
            this.requestIds = requestIds;
            this.queues = queues;
            long bytes = 28 + requestIds.snapshotBytes() + notesBytes;
            for (QueueImage q : queues) {
                bytes += q.sizeEstimate();
            }
            this.sizeEstimate = bytes;
        }

        /**
         * The live messages whose bodies lie in {@code ranges} (address ranges {@code [from, to)}),
         * and every body held in memory only, up to {@code maxBytes} of bodies: what to write
         * again so that the storage holding them can go. Any thread.
         */
        public List<PlacedBody> bodiesIn(List<long[]> ranges, long maxBytes) {
            List<PlacedBody> out = new ArrayList<>();
            long bytes = 0;
            for (QueueImage q : queues) {
                for (MessageBlock b : q.blocks) {
                    for (int i = b.start; i < b.size && bytes < maxBytes; i++) {
                        if (!b.isLive(i)) {
                            continue;
                        }
                        boolean inMemory = b.unplaced(i);
                        long a = inMemory ? UNPLACED : b.bodyAddr(i);
                        boolean wanted = inMemory;
                        for (int r = 0; r < ranges.size() && !wanted; r++) {
                            wanted = a >= ranges.get(r)[0] && a < ranges.get(r)[1];
                        }
                        if (wanted) {
                            int length = b.length(i);
                            out.add(new PlacedBody(q.project, q.name, b.seq(i), a, length, b.checked(i),
                                    inMemory ? q.unplaced.get(b.seq(i)) : null));
                            bytes += length;
                        }
                    }
                }
            }
            return out;
        }

        /** About how many bytes {@link #writeTo} writes (to size its buffer). */
        public long sizeEstimate() {
            return sizeEstimate;
        }

        /** Writes the snapshot, telling {@code live} where each live body lies in the log. */
        public void writeTo(DataOutput out, LiveBodies live) throws IOException {
            out.writeInt(MAGIC);
            out.writeInt(slot);
            out.writeLong(nextSeq);
            out.writeLong(time);
            out.writeLong(openedAt);
            out.writeInt(requestIds.windows());
            requestIds.forEachWindow((project, window) -> {
                out.writeUTF(project);
                out.writeInt(window.size());
                window.forEach((hi, lo, t, firstSeq, count) -> {
                    out.writeLong(hi);
                    out.writeLong(lo);
                    out.writeLong(t);
                    out.writeLong(firstSeq);
                    out.writeInt(count);
                });
            });
            out.writeInt(queues.size());
            for (QueueImage q : queues) {
                q.writeTo(out, live);
            }
        }
    }

    /**
     * A live message's body and where it lies: at {@code address} in the log (its checksum before
     * it when {@code checked}), or in memory only ({@code inMemory}, address {@link #UNPLACED}).
     */
    public record PlacedBody(String project, String queue, long seq, long address, int length, boolean checked,
                             byte[] inMemory) {}

    /** The address of a body held in memory only (a snapshot of the first formats held it). */
    public static final long UNPLACED = -2;

    /** Bits of a message's flags byte ({@link #MAGIC}). */
    private static final int F_CLIENT = 1;
    private static final int F_CLAIM = 2;
    private static final int F_UNCHECKED = 4;
    private static final int F_UNPLACED = 8;

    /** Bits of a claim's flags byte. */
    private static final int C_DELAY = 1;
    private static final int C_EXTENDED = 2;
    private static final int C_STREAM_CLOSED = 4;
    private static final int C_MOVE = 8;
    private static final int C_REDRIVE = 16;

    private record ClaimImage(long seq, int flags, long createdAt, long renewedAt, long expiresAt, int ttlSeconds, int held,
                              long[] messages, Move move) {}

    /**
     * One queue as of the capture: its message blocks frozen (copy on write; with them the messages'
     * ledgers and origins, which never change once set), claims as values.
     */
    private record QueueImage(String project, String name, byte[] metadata, long cursor, int live,
                              MessageBlock[] blocks, java.util.Map<Long, byte[]> unplaced, List<ClaimImage> claims) {
        static QueueImage of(QueueState q) {
            List<ClaimImage> claims = new ArrayList<>();
            for (Claim c : q.claims.sorted()) {
                // Claim.messages is never changed after the claim is made, so it is shared.
                int flags = (c.delay ? C_DELAY : 0) | (c.extended ? C_EXTENDED : 0) | (c.streamClosed ? C_STREAM_CLOSED : 0)
                        | (c.move != null ? C_MOVE : 0) | (c.move != null && c.move.redrive() ? C_REDRIVE : 0);
                claims.add(new ClaimImage(c.seq, flags, c.createdAt, c.renewedAt, c.expiresAt, c.ttlSeconds, c.held, c.messages,
                        c.move));
            }
            return new QueueImage(q.project, q.name, q.metadata(), q.cursor(), q.messages.live(), q.messages.freeze(),
                    q.unplaced == null ? null : java.util.Map.copyOf(q.unplaced), claims);
        }

        long sizeEstimate() {
            long bytes = 64 + metadata.length + 20L * live;
            for (ClaimImage c : claims) {
                bytes += 48 + 8L * c.messages().length;
            }
            return bytes; // ledgers and origins: the image counts them for the whole slot
        }

        void writeTo(DataOutput out, LiveBodies liveBodies) throws IOException {
            out.writeUTF(project);
            out.writeUTF(name);
            RecordCodec.writeBytes(out, metadata);
            out.writeInt(live);
            // Where a restored queue's cursor goes: its oldest free message, a function of the
            // state alone (the live cursor also depends on the claims tried), so the live and the
            // replayed slot write the same bytes. Every free message is then at or after it.
            long canonicalCursor = -1;
            java.util.Set<Long> active = new java.util.HashSet<>();
            for (ClaimImage c : claims) {
                active.add(c.seq());
            }
            boolean first = true;
            long lastSeq = 0;
            long lastPosted = 0;
            long lastHi = 0;
            long lastLo = 0;
            long lastEnd = 0;
            for (MessageBlock b : blocks) {
                for (int i = b.start; i < b.size; i++) {
                    if (!b.isLive(i)) {
                        continue;
                    }
                    long seq = b.seq(i);
                    if (canonicalCursor < 0 && !active.contains(b.claim(i))) {
                        canonicalCursor = seq;
                    }
                    int length = b.length(i);
                    boolean checked = b.checked(i);
                    boolean inMemory = b.unplaced(i);
                    long address = inMemory ? UNPLACED : b.bodyAddr(i);
                    long posted = b.postedAt(i);
                    long claim = b.claim(i);
                    long hi = b.clientHi(i);
                    long lo = b.clientLo(i);
                    boolean newClient = first || hi != lastHi || lo != lastLo;
                    int flags = (newClient ? F_CLIENT : 0) | (claim != 0 ? F_CLAIM : 0) | (checked ? 0 : F_UNCHECKED)
                            | (inMemory ? F_UNPLACED : 0);
                    VarInts.writeUnsigned(out, seq - lastSeq);
                    out.writeByte(flags);
                    VarInts.writeSigned(out, posted - lastPosted);
                    VarInts.writeSigned(out, b.expiresAt(i) - posted);
                    VarInts.writeUnsigned(out, Integer.toUnsignedLong(b.ttl(i)));
                    VarInts.writeUnsigned(out, length);
                    if (newClient) {
                        out.writeLong(hi);
                        out.writeLong(lo);
                    }
                    if (claim != 0) {
                        VarInts.writeSigned(out, claim - seq);
                    }
                    if (!inMemory) {
                        VarInts.writeSigned(out, address - lastEnd);
                        lastEnd = address + length;
                    }
                    first = false;
                    lastSeq = seq;
                    lastPosted = posted;
                    lastHi = hi;
                    lastLo = lo;
                    if (inMemory) {
                        RecordCodec.writeBytes(out, unplaced.get(seq));
                    } else {
                        liveBodies.live(checked ? address - RecordCodec.BODY_CHECK : address,
                                checked ? length + RecordCodec.BODY_CHECK : length);
                    }
                }
            }
            // The oldest free message, or -1 when no live message is free.
            out.writeLong(canonicalCursor);
            out.writeInt(claims.size());
            for (ClaimImage c : claims) {
                out.writeLong(c.seq());
                out.writeByte(c.flags());
                out.writeLong(c.createdAt());
                out.writeLong(c.renewedAt());
                out.writeLong(c.expiresAt());
                out.writeInt(c.ttlSeconds());
                out.writeInt(c.held());
                RecordCodec.writeLongs(out, c.messages());
                if (c.move() != null) {
                    out.writeUTF(c.move().queue());
                    out.writeInt(c.move().ttlSeconds());
                }
            }
            // Ledgers, then origins, each in message-sequence order (the blocks' order).
            int ledgers = 0;
            int origins = 0;
            for (MessageBlock b : blocks) {
                for (int i = b.start; i < b.size; i++) {
                    if (b.isLive(i)) {
                        ledgers += b.ledger(i) != null ? 1 : 0;
                        origins += b.origin(i) != null ? 1 : 0;
                    }
                }
            }
            out.writeInt(ledgers);
            for (MessageBlock b : blocks) {
                for (int i = b.start; i < b.size; i++) {
                    Ledger l = b.isLive(i) ? b.ledger(i) : null;
                    if (l == null) {
                        continue;
                    }
                    out.writeLong(b.seq(i));
                    out.writeInt(l.ended());
                    out.writeInt(l.countedFrom());
                    out.writeInt(l.silent());
                    out.writeByte(l.recentShared().length);
                    for (Attempt a : l.recentShared()) {
                        RecordCodec.writeAttempt(out, a);
                    }
                }
            }
            out.writeInt(origins);
            for (MessageBlock b : blocks) {
                for (int i = b.start; b.hasOrigins() && i < b.size; i++) {
                    Origin o = b.isLive(i) ? b.origin(i) : null;
                    if (o != null) {
                        out.writeLong(b.seq(i));
                        writeOrigin(out, o);
                    }
                }
            }
        }
    }

    private static int silentAmong(Attempt[] recent, int countedFrom) {
        int n = 0;
        for (Attempt a : recent) {
            if (a.number() > countedFrom && a.outcome() == AttemptOutcome.LEASE_EXPIRED_SILENT) {
                n++;
            }
        }
        return n;
    }

    static void writeOrigin(DataOutput out, Origin o) throws IOException {
        out.writeInt(o.slot());
        out.writeUTF(o.queue());
        out.writeLong(o.seq());
        out.writeLong(o.postedAt());
        out.writeInt(o.ttlSeconds());
    }

    static Origin readOrigin(DataInput in) throws IOException {
        return new Origin(in.readInt(), in.readUTF(), in.readLong(), in.readLong(), in.readInt());
    }


    public static SlotStateMachine read(DataInput in, SlotLimits limits) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V6 && magic != MAGIC_V5 && magic != MAGIC_V4 && magic != MAGIC_V3 && magic != MAGIC_V2 && magic != MAGIC_V1) {
            throw new IOException("not a slot snapshot");
        }
        SlotStateMachine sm = new SlotStateMachine(in.readInt(), limits);
        long nextSeq = in.readLong();
        long time = in.readLong();
        boolean v5 = magic == MAGIC || magic == MAGIC_V6 || magic == MAGIC_V5; // ledgers, origins, full claims
        sm.restoreHeader(nextSeq, time, v5 ? in.readLong() : 0);
        if (magic == MAGIC) {
            int windows = in.readInt();
            for (int w = 0; w < windows; w++) {
                String project = in.readUTF();
                int entries = in.readInt();
                for (int i = 0; i < entries; i++) {
                    sm.requestIds().put(project, in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readInt());
                }
            }
        } else {
            int windowSize = in.readInt();
            for (int i = 0; i < windowSize; i++) {
                if (magic == MAGIC_V1) {
                    String[] key = in.readUTF().split("\0", 3); // project, queue, request id
                    sm.requestIds().put(key[0], key[1], key[2], new RequestIdWindow.Entry(in.readLong(), in.readLong(), in.readInt()));
                } else {
                    // Digests without their project: a window every project's lookups consult.
                    sm.requestIds().put(RequestIdWindows.UNATTRIBUTED, in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                            in.readInt());
                }
            }
        }
        int queues = in.readInt();
        for (int k = 0; k < queues; k++) {
            String project = in.readUTF();
            String name = in.readUTF();
            QueueState q = sm.newQueue(project, name);
            q.metadata(RecordCodec.readBytes(in));
            int live = in.readInt();
            long lastSeq = 0;
            boolean compact = v5 || magic == MAGIC_V4;
            if (compact) {
                lastSeq = readMessages(in, q, live);
            }
            for (int i = 0; i < live && !compact; i++) {
                long seq = in.readLong();
                long posted = in.readLong();
                long expires = in.readLong();
                int ttl = in.readInt();
                long hi = in.readLong();
                long lo = in.readLong();
                long claim = in.readLong();
                if (magic == MAGIC_V3) {
                    long address = in.readLong();
                    int length = in.readInt();
                    if (address == UNPLACED) {
                        q.restoreUnplaced(seq, posted, expires, ttl, hi, lo, claim, RecordCodec.readBytes(in));
                    } else {
                        q.restore(seq, posted, expires, ttl, hi, lo, claim, address, length & ~MessageBlock.UNCHECKED,
                                (length & MessageBlock.UNCHECKED) == 0);
                    }
                } else {
                    // The first formats held bodies: in memory until the broker writes them to the log.
                    q.restoreUnplaced(seq, posted, expires, ttl, hi, lo, claim, RecordCodec.readBytes(in));
                }
                lastSeq = seq;
            }
            long cursor = in.readLong();
            int claims = in.readInt();
            for (int i = 0; i < claims; i++) {
                q.claims.add(v5 ? readClaim(in) : readClaimV4(in));
            }
            int ledgers = v5 ? in.readInt() : 0;
            for (int i = 0; i < ledgers; i++) {
                long seq = in.readLong();
                int ended = in.readInt();
                int countedFrom = in.readInt();
                int silent = magic == MAGIC || magic == MAGIC_V6 ? in.readInt() : -1;
                Attempt[] recent = new Attempt[in.readUnsignedByte()];
                for (int a = 0; a < recent.length; a++) {
                    recent[a] = RecordCodec.readAttempt(in);
                }
                if (silent < 0) {
                    silent = silentAmong(recent, countedFrom); // BSN5 kept none: what the kept attempts say
                }
                q.restoreLedger(seq, ended, countedFrom, silent, recent);
            }
            int origins = v5 ? in.readInt() : 0;
            for (int i = 0; i < origins; i++) {
                long seq = in.readLong();
                q.restoreOrigin(seq, readOrigin(in));
            }
            q.rebuildIndexes(cursor >= 0 ? cursor : lastSeq + 1);
            sm.projects().computeIfAbsent(project, p -> new TreeMap<>()).put(name, q);
        }
        return sm;
    }

    private static Claim readClaim(DataInput in) throws IOException {
        long seq = in.readLong();
        int flags = in.readUnsignedByte();
        long createdAt = in.readLong();
        long renewedAt = in.readLong();
        long expiresAt = in.readLong();
        int ttl = in.readInt();
        int held = in.readInt();
        long[] messages = RecordCodec.readLongs(in);
        Move move = (flags & C_MOVE) != 0 ? new Move(in.readUTF(), in.readInt(), (flags & C_REDRIVE) != 0) : null;
        Claim c = new Claim(seq, messages, (flags & C_DELAY) != 0, move, createdAt, renewedAt, expiresAt, ttl);
        c.extended = (flags & C_EXTENDED) != 0;
        c.streamClosed = (flags & C_STREAM_CLOSED) != 0;
        c.held = held;
        return c;
    }

    /** A claim of the formats before {@link #MAGIC}: a delay hold had its TTL negated; creation was not kept. */
    private static Claim readClaimV4(DataInput in) throws IOException {
        long seq = in.readLong();
        long renewedAt = in.readLong();
        int ttl = in.readInt();
        int held = in.readInt();
        Claim c = new Claim(seq, RecordCodec.readLongs(in), renewedAt, Math.abs(ttl), ttl < 0);
        c.held = held;
        return c;
    }

    /** Reads {@code live} messages of the compact formats into {@code q}; returns the last sequence. */
    private static long readMessages(DataInput in, QueueState q, int live) throws IOException {
        long lastSeq = 0;
        long lastPosted = 0;
        long hi = 0;
        long lo = 0;
        long lastEnd = 0;
        for (int i = 0; i < live; i++) {
            long seq = lastSeq + VarInts.readUnsigned(in);
            int flags = in.readUnsignedByte();
            long posted = lastPosted + VarInts.readSigned(in);
            long expires = posted + VarInts.readSigned(in);
            int ttl = (int) VarInts.readUnsigned(in);
            int length = (int) VarInts.readUnsigned(in);
            if ((flags & F_CLIENT) != 0) {
                hi = in.readLong();
                lo = in.readLong();
            }
            long claim = (flags & F_CLAIM) != 0 ? seq + VarInts.readSigned(in) : 0;
            if ((flags & F_UNPLACED) != 0) {
                q.restoreUnplaced(seq, posted, expires, ttl, hi, lo, claim, RecordCodec.readBytes(in));
            } else {
                long address = lastEnd + VarInts.readSigned(in);
                lastEnd = address + length;
                q.restore(seq, posted, expires, ttl, hi, lo, claim, address, length, (flags & F_UNCHECKED) == 0);
            }
            lastSeq = seq;
            lastPosted = posted;
        }
        return lastSeq;
    }
}
