package io.baton.broker.slot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** "BSN3": bodies by address in the log, not in the snapshot. */
    private static final int MAGIC = 0x42534e33;
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
     * Copies what a snapshot holds, cheaply: the request-id window and the message columns by
     * array copies (bodies are in the log: only their addresses), claims as values. Runs on the
     * slot thread; the expensive encoding ({@link Image#writeTo}) can then run on another thread
     * while the slot goes on. Encoding a 3 MB snapshot inline held the slot thread for 5-25 ms.
     */
    public static Image capture(SlotStateMachine sm) {
        List<QueueImage> queues = new ArrayList<>();
        for (TreeMap<String, QueueState> byName : sm.projects().values()) {
            for (QueueState q : byName.values()) {
                queues.add(QueueImage.of(q));
            }
        }
        return new Image(sm.slot(), sm.nextSeq(), sm.time(), sm.requestIds().copy(), queues);
    }

    /** A slot's state as of one moment, detached from the live state machine. */
    public static final class Image {
        private final int slot;
        private final long nextSeq;
        private final long time;
        private final RequestIdWindow requestIds;
        private final List<QueueImage> queues;
        private final long sizeEstimate;

        private Image(int slot, long nextSeq, long time, RequestIdWindow requestIds, List<QueueImage> queues) {
            this.slot = slot;
            this.nextSeq = nextSeq;
            this.time = time;
            this.requestIds = requestIds;
            this.queues = queues;
            long bytes = 28 + requestIds.snapshotBytes();
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
                for (int i = 0; i < q.seq.length && bytes < maxBytes; i++) {
                    long a = q.bodyAddr[i];
                    if (a == MessageTable.DEAD) {
                        continue;
                    }
                    boolean wanted = a == MessageTable.UNPLACED;
                    for (int r = 0; r < ranges.size() && !wanted; r++) {
                        wanted = a >= ranges.get(r)[0] && a < ranges.get(r)[1];
                    }
                    if (wanted) {
                        int length = q.bodyLen[i] & ~MessageTable.UNCHECKED;
                        out.add(new PlacedBody(q.project, q.name, q.seq[i], a, length,
                                (q.bodyLen[i] & MessageTable.UNCHECKED) == 0,
                                a == MessageTable.UNPLACED ? q.unplaced.get(q.seq[i]) : null));
                        bytes += length;
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
            out.writeInt(requestIds.size());
            requestIds.forEach((hi, lo, t, firstSeq, count) -> {
                out.writeLong(hi);
                out.writeLong(lo);
                out.writeLong(t);
                out.writeLong(firstSeq);
                out.writeInt(count);
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

    /** The address of a body held in memory only. */
    public static final long UNPLACED = MessageTable.UNPLACED;

    private record ClaimImage(long seq, long renewedAt, int ttlSeconds, int held, long[] messages) {}

    /** One queue's columns over its [head, tail) range, dead entries included (address {@link MessageTable#DEAD}). */
    private record QueueImage(String project, String name, byte[] metadata, long cursor, int live,
                              long[] seq, long[] postedAt, long[] expiresAt, int[] ttl, long[] clientHi, long[] clientLo,
                              long[] claim, long[] bodyAddr, int[] bodyLen, java.util.Map<Long, byte[]> unplaced,
                              List<ClaimImage> claims) {
        static QueueImage of(QueueState q) {
            MessageTable m = q.messages;
            int from = m.head;
            int to = m.tail;
            List<ClaimImage> claims = new ArrayList<>();
            for (Claim c : q.claims.sorted()) {
                // Claim.messages is never changed after the claim is made, so it is shared.
                claims.add(new ClaimImage(c.seq, c.renewedAt, c.ttlSeconds, c.held, c.messages));
            }
            return new QueueImage(q.project, q.name, q.metadata(), q.cursor(), m.live(),
                    Arrays.copyOfRange(m.seq, from, to), Arrays.copyOfRange(m.postedAt, from, to),
                    Arrays.copyOfRange(m.expiresAt, from, to), Arrays.copyOfRange(m.ttl, from, to),
                    Arrays.copyOfRange(m.clientHi, from, to), Arrays.copyOfRange(m.clientLo, from, to),
                    Arrays.copyOfRange(m.claim, from, to), Arrays.copyOfRange(m.bodyAddr, from, to),
                    Arrays.copyOfRange(m.bodyLen, from, to), q.unplaced == null ? null : java.util.Map.copyOf(q.unplaced),
                    claims);
        }

        long sizeEstimate() {
            long bytes = 64 + metadata.length + 64L * live;
            for (ClaimImage c : claims) {
                bytes += 28 + 8L * c.messages().length;
            }
            return bytes;
        }

        void writeTo(DataOutput out, LiveBodies liveBodies) throws IOException {
            out.writeUTF(project);
            out.writeUTF(name);
            RecordCodec.writeBytes(out, metadata);
            out.writeInt(live);
            long canonicalCursor = -1;
            for (int i = 0; i < seq.length; i++) {
                long address = bodyAddr[i];
                if (address == MessageTable.DEAD) {
                    continue;
                }
                if (canonicalCursor < 0 && seq[i] >= cursor) {
                    canonicalCursor = seq[i];
                }
                int length = bodyLen[i] & ~MessageTable.UNCHECKED;
                boolean checked = (bodyLen[i] & MessageTable.UNCHECKED) == 0;
                out.writeLong(seq[i]);
                out.writeLong(postedAt[i]);
                out.writeLong(expiresAt[i]);
                out.writeInt(ttl[i]);
                out.writeLong(clientHi[i]);
                out.writeLong(clientLo[i]);
                out.writeLong(claim[i]);
                out.writeLong(address);
                out.writeInt(bodyLen[i]);
                if (address == MessageTable.UNPLACED) {
                    RecordCodec.writeBytes(out, unplaced.get(seq[i]));
                } else {
                    liveBodies.live(checked ? address - RecordCodec.BODY_CHECK : address,
                            checked ? length + RecordCodec.BODY_CHECK : length);
                }
            }
            // The first live message never claimed, or -1 when every live message was claimed at least once.
            out.writeLong(canonicalCursor);
            out.writeInt(claims.size());
            for (ClaimImage c : claims) {
                out.writeLong(c.seq());
                out.writeLong(c.renewedAt());
                out.writeInt(c.ttlSeconds());
                out.writeInt(c.held());
                RecordCodec.writeLongs(out, c.messages());
            }
        }
    }

    public static SlotStateMachine read(DataInput in, SlotLimits limits) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC && magic != MAGIC_V2 && magic != MAGIC_V1) {
            throw new IOException("not a slot snapshot");
        }
        SlotStateMachine sm = new SlotStateMachine(in.readInt(), limits);
        sm.restoreHeader(in.readLong(), in.readLong());
        int windowSize = in.readInt();
        for (int i = 0; i < windowSize; i++) {
            if (magic == MAGIC_V1) {
                String[] key = in.readUTF().split("\0", 3); // project, queue, request id
                sm.requestIds().put(key[0], key[1], key[2], new RequestIdWindow.Entry(in.readLong(), in.readLong(), in.readInt()));
            } else {
                sm.requestIds().put(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readInt());
            }
        }
        int queues = in.readInt();
        for (int k = 0; k < queues; k++) {
            String project = in.readUTF();
            String name = in.readUTF();
            QueueState q = new QueueState(project, name, sm.usage());
            q.metadata(RecordCodec.readBytes(in));
            int live = in.readInt();
            MessageTable m = q.messages;
            long lastSeq = 0;
            for (int i = 0; i < live; i++) {
                long seq = in.readLong();
                long posted = in.readLong();
                long expires = in.readLong();
                int ttl = in.readInt();
                long hi = in.readLong();
                long lo = in.readLong();
                long claim = in.readLong();
                if (magic == MAGIC) {
                    long address = in.readLong();
                    int length = in.readInt();
                    if (address == MessageTable.UNPLACED) {
                        q.restoreUnplaced(seq, posted, expires, ttl, hi, lo, claim, RecordCodec.readBytes(in));
                    } else {
                        q.restore(seq, posted, expires, ttl, hi, lo, claim, address, length & ~MessageTable.UNCHECKED,
                                (length & MessageTable.UNCHECKED) == 0);
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
                long seq = in.readLong();
                long renewedAt = in.readLong();
                int ttl = in.readInt();
                int held = in.readInt();
                Claim c = new Claim(seq, RecordCodec.readLongs(in), renewedAt, ttl);
                c.held = held;
                q.claims.add(c);
            }
            q.rebuildIndexes(cursor >= 0 ? cursor : lastSeq + 1);
            sm.projects().computeIfAbsent(project, p -> new TreeMap<>()).put(name, q);
        }
        return sm;
    }
}
