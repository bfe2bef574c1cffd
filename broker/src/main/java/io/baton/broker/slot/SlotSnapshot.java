package io.baton.broker.slot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole state of a slot as bytes, so its log can be cut: a slot restored from a snapshot and
 * then fed the records after it equals the slot that saw every record. The form is canonical
 * (queues by name, messages and claims by sequence, and only what clients can observe, never
 * index garbage), so two equal states give equal bytes: the property tests compare states that way.
 */
public final class SlotSnapshot {
    private SlotSnapshot() {}

    private static final int MAGIC = 0x42534e31; // "BSN1"

    public static void write(SlotStateMachine sm, DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(sm.slot());
        out.writeLong(sm.nextSeq());
        out.writeLong(sm.time());
        Map<String, RequestIdWindow.Entry> window = sm.requestIds().entries();
        out.writeInt(window.size());
        for (Map.Entry<String, RequestIdWindow.Entry> e : window.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue().time());
            out.writeLong(e.getValue().firstSeq());
            out.writeInt(e.getValue().count());
        }
        int queues = 0;
        for (TreeMap<String, QueueState> byName : sm.projects().values()) {
            queues += byName.size();
        }
        out.writeInt(queues);
        for (TreeMap<String, QueueState> byName : sm.projects().values()) {
            for (QueueState q : byName.values()) {
                writeQueue(q, out);
            }
        }
    }

    private static void writeQueue(QueueState q, DataOutput out) throws IOException {
        out.writeUTF(q.project);
        out.writeUTF(q.name);
        RecordCodec.writeBytes(out, q.metadata);
        MessageTable m = q.messages;
        out.writeInt(m.live());
        long canonicalCursor = -1;
        for (int i = m.head; i < m.tail; i++) {
            if (!m.isLive(i)) {
                continue;
            }
            if (canonicalCursor < 0 && m.seq[i] >= q.cursor()) {
                canonicalCursor = m.seq[i];
            }
            out.writeLong(m.seq[i]);
            out.writeLong(m.postedAt[i]);
            out.writeLong(m.expiresAt[i]);
            out.writeInt(m.ttl[i]);
            out.writeLong(m.clientHi[i]);
            out.writeLong(m.clientLo[i]);
            out.writeLong(m.claim[i]);
            RecordCodec.writeBytes(out, m.body[i]);
        }
        // The first live message never claimed, or -1 when every live message was claimed at least once.
        out.writeLong(canonicalCursor);
        out.writeInt(q.claims.size());
        for (Claim c : q.claims.sorted()) {
            out.writeLong(c.seq);
            out.writeLong(c.renewedAt);
            out.writeInt(c.ttlSeconds);
            out.writeInt(c.held);
            RecordCodec.writeLongs(out, c.messages);
        }
    }

    public static SlotStateMachine read(DataInput in, SlotLimits limits) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a slot snapshot");
        }
        SlotStateMachine sm = new SlotStateMachine(in.readInt(), limits);
        sm.restoreHeader(in.readLong(), in.readLong());
        int windowSize = in.readInt();
        for (int i = 0; i < windowSize; i++) {
            String key = in.readUTF();
            sm.requestIds().put(key, new RequestIdWindow.Entry(in.readLong(), in.readLong(), in.readInt()));
        }
        int queues = in.readInt();
        for (int k = 0; k < queues; k++) {
            String project = in.readUTF();
            String name = in.readUTF();
            QueueState q = new QueueState(project, name);
            q.metadata = RecordCodec.readBytes(in);
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
                m.append(seq, posted, expires, ttl, hi, lo, body);
                m.claim[m.tail - 1] = claim;
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
