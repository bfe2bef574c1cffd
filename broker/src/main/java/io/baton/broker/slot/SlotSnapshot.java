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

    /** "BSN2": request ids as 128-bit digests. */
    private static final int MAGIC = 0x42534e32;
    /** "BSN1": request ids as strings (read, never written). */
    private static final int MAGIC_V1 = 0x42534e31;

    /** Writes the state now (tests; the broker captures on the slot thread and writes elsewhere). */
    public static void write(SlotStateMachine sm, DataOutput out) throws IOException {
        capture(sm).writeTo(out);
    }

    /**
     * Copies what a snapshot holds, cheaply: the request-id window and the message columns by
     * array copies, bodies by reference (they are never changed), claims as values. Runs on the
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

        /** About how many bytes {@link #writeTo} writes (to size its buffer). */
        public long sizeEstimate() {
            return sizeEstimate;
        }

        public void writeTo(DataOutput out) throws IOException {
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
                q.writeTo(out);
            }
        }
    }

    private record ClaimImage(long seq, long renewedAt, int ttlSeconds, int held, long[] messages) {}

    /** One queue's columns over its [head, tail) range, dead entries included (their body is null). */
    private record QueueImage(String project, String name, byte[] metadata, long cursor, int live, long liveBodyBytes,
                              long[] seq, long[] postedAt, long[] expiresAt, int[] ttl, long[] clientHi, long[] clientLo,
                              long[] claim, byte[][] bodyData, int[] bodyOff, int[] bodyLen,
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
            // The chunks' arrays themselves: a chunk drops its array once its last body dies,
            // which may happen before this image is written.
            byte[][] bodyData = new byte[to - from][];
            for (int i = from; i < to; i++) {
                BodyArena.Chunk c = m.chunk[i];
                bodyData[i - from] = c == null ? null : c.data;
            }
            return new QueueImage(q.project, q.name, q.metadata(), q.cursor(), m.live(), m.liveBodyBytes(),
                    Arrays.copyOfRange(m.seq, from, to), Arrays.copyOfRange(m.postedAt, from, to),
                    Arrays.copyOfRange(m.expiresAt, from, to), Arrays.copyOfRange(m.ttl, from, to),
                    Arrays.copyOfRange(m.clientHi, from, to), Arrays.copyOfRange(m.clientLo, from, to),
                    Arrays.copyOfRange(m.claim, from, to), bodyData,
                    Arrays.copyOfRange(m.bodyOff, from, to), Arrays.copyOfRange(m.bodyLen, from, to), claims);
        }

        long sizeEstimate() {
            long bytes = 64 + metadata.length + liveBodyBytes + 56L * live;
            for (ClaimImage c : claims) {
                bytes += 28 + 8L * c.messages().length;
            }
            return bytes;
        }

        void writeTo(DataOutput out) throws IOException {
            out.writeUTF(project);
            out.writeUTF(name);
            RecordCodec.writeBytes(out, metadata);
            out.writeInt(live);
            long canonicalCursor = -1;
            for (int i = 0; i < seq.length; i++) {
                if (bodyData[i] == null) {
                    continue;
                }
                if (canonicalCursor < 0 && seq[i] >= cursor) {
                    canonicalCursor = seq[i];
                }
                out.writeLong(seq[i]);
                out.writeLong(postedAt[i]);
                out.writeLong(expiresAt[i]);
                out.writeInt(ttl[i]);
                out.writeLong(clientHi[i]);
                out.writeLong(clientLo[i]);
                out.writeLong(claim[i]);
                // Chunks are append-only: these bytes are as they were at capture.
                RecordCodec.writeBytes(out, bodyData[i], bodyOff[i], bodyLen[i]);
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
        if (magic != MAGIC && magic != MAGIC_V1) {
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
                byte[] body = RecordCodec.readBytes(in);
                q.restore(seq, posted, expires, ttl, hi, lo, claim, body);
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
