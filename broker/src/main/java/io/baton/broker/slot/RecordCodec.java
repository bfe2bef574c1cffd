package io.baton.broker.slot;

import io.baton.broker.slot.SlotRecord.BodiesMoved;
import io.baton.broker.slot.SlotRecord.ClaimReleased;
import io.baton.broker.slot.SlotRecord.ClaimRenewed;
import io.baton.broker.slot.SlotRecord.MessagesClaimed;
import io.baton.broker.slot.SlotRecord.MessagesDeleted;
import io.baton.broker.slot.SlotRecord.MessagesPosted;
import io.baton.broker.slot.SlotRecord.MetadataSet;
import io.baton.broker.slot.SlotRecord.QueueCreated;
import io.baton.broker.slot.SlotRecord.QueueDeleted;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary form of {@link SlotRecord}s in a slot log: a format version byte, a type byte, then
 * the fields in declaration order. Framing and the record's integrity belong to the log; a message
 * body also carries a CRC32C of its own, right before its bytes, because the broker reads bodies
 * back by address long after the record was checked ({@link #BODY_CHECK}). Changing a layout means
 * a new version byte: logs outlive releases (version 1, without body checksums, is still read).
 */
public final class RecordCodec {
    private RecordCodec() {}

    /** Bytes before each body: its CRC32C. */
    public static final int BODY_CHECK = 4;

    private static final byte VERSION_1 = 1;
    private static final byte VERSION = 2;
    private static final byte QUEUE_CREATED = 1;
    private static final byte QUEUE_DELETED = 2;
    private static final byte METADATA_SET = 3;
    private static final byte MESSAGES_POSTED = 4;
    private static final byte MESSAGES_DELETED = 5;
    private static final byte MESSAGES_CLAIMED = 6;
    private static final byte CLAIM_RENEWED = 7;
    private static final byte CLAIM_RELEASED = 8;
    private static final byte BODIES_MOVED = 9;
    private static final byte SEQ_FLOOR_RAISED = 10;
    /** {@link #MESSAGES_POSTED} with each message's delay before its TTL: written only when one has a delay. */
    private static final byte MESSAGES_POSTED_DELAYED = 11;
    /** {@link #CLAIM_RELEASED} with a retry time and what the worker said: written when either is given. */
    private static final byte CLAIM_RELEASED_WITH = 12;
    private static final byte STREAM_CLOSED = 13;
    private static final byte SLOT_OPENED = 14;
    private static final byte MOVES_STARTED = 15;
    private static final byte MESSAGES_MOVED_IN = 16;
    private static final byte MOVES_FINISHED = 17;

    /** A record's bytes, and where its bodies' bytes start in them and how long each is. */
    public record Encoded(byte[] bytes, int[] bodyOffsets, int[] bodyLengths) {
        /** Bytes of bodies the record carries. */
        public int bodyBytes() {
            int n = 0;
            for (int length : bodyLengths) {
                n += length;
            }
            return n;
        }
    }

    /** A record read back and where its bodies' bytes start in the bytes it came from. */
    public record Decoded(SlotRecord record, int[] bodyOffsets, boolean checked) {
        public Placement at(long address) {
            return new Placement(address, bodyOffsets, checked);
        }
    }

    private static final int[] NO_BODIES = new int[0];

    public static byte[] encode(SlotRecord r) {
        return encodePlaced(r).bytes();
    }

    public static Encoded encodePlaced(SlotRecord r) {
        ByteArrayDataOutput out = new ByteArrayDataOutput(estimate(r));
        int[] offsets = NO_BODIES;
        int[] lengths = NO_BODIES;
        try {
            out.writeByte(VERSION);
            if (r instanceof MessagesPosted p) {
                boolean delayed = p.messages().stream().anyMatch(m -> m.delaySeconds() > 0);
                header(out, delayed ? MESSAGES_POSTED_DELAYED : MESSAGES_POSTED, p.time(), p.project(), p.queue());
                out.writeLong(p.clientHi());
                out.writeLong(p.clientLo());
                writeNullableString(out, p.requestId());
                out.writeLong(p.firstSeq());
                out.writeInt(p.messages().size());
                offsets = new int[p.messages().size()];
                lengths = new int[offsets.length];
                int k = 0;
                for (NewMessage m : p.messages()) {
                    if (delayed) {
                        out.writeInt(Math.max(0, m.delaySeconds()));
                    }
                    out.writeInt(m.ttlSeconds());
                    lengths[k] = m.body().length;
                    offsets[k++] = writeCheckedBody(out, m.body());
                }
            } else if (r instanceof BodiesMoved b) {
                header(out, BODIES_MOVED, b.time(), b.project(), b.queue());
                out.writeInt(b.seqs().length);
                offsets = new int[b.seqs().length];
                lengths = new int[offsets.length];
                for (int k = 0; k < b.seqs().length; k++) {
                    out.writeLong(b.seqs()[k]);
                    lengths[k] = b.bodies().get(k).length;
                    offsets[k] = writeCheckedBody(out, b.bodies().get(k));
                }
            } else if (r instanceof MessagesDeleted d) {
                header(out, MESSAGES_DELETED, d.time(), d.project(), d.queue());
                writeLongs(out, d.seqs());
            } else if (r instanceof MessagesClaimed c) {
                header(out, MESSAGES_CLAIMED, c.time(), c.project(), c.queue());
                out.writeLong(c.claimSeq());
                out.writeInt(c.ttlSeconds());
                out.writeInt(c.graceSeconds());
                writeLongs(out, c.seqs());
            } else if (r instanceof ClaimRenewed c) {
                header(out, CLAIM_RENEWED, c.time(), c.project(), c.queue());
                out.writeLong(c.claimSeq());
                out.writeInt(c.ttlSeconds());
                out.writeInt(c.graceSeconds());
            } else if (r instanceof ClaimReleased c) {
                boolean plain = c.holdSeq() == 0 && c.retryAt() == 0 && c.errorClass() == null && c.errorMessage() == null;
                header(out, plain ? CLAIM_RELEASED : CLAIM_RELEASED_WITH, c.time(), c.project(), c.queue());
                out.writeLong(c.claimSeq());
                if (!plain) {
                    out.writeLong(c.holdSeq());
                    out.writeLong(c.retryAt());
                    writeNullableString(out, c.errorClass());
                    writeNullableString(out, c.errorMessage());
                }
            } else if (r instanceof SlotRecord.StreamClosed c) {
                header(out, STREAM_CLOSED, c.time(), c.project(), c.queue());
                writeLongs(out, c.claimSeqs());
            } else if (r instanceof SlotRecord.SlotOpened o) {
                header(out, SLOT_OPENED, o.time(), "", "");
            } else if (r instanceof SlotRecord.MovesStarted m) {
                header(out, MOVES_STARTED, m.time(), m.project(), m.queue());
                out.writeLong(m.holdSeq());
                writeLongs(out, m.seqs());
                out.writeUTF(m.move().queue());
                out.writeInt(m.move().ttlSeconds());
                out.writeBoolean(m.move().redrive());
            } else if (r instanceof SlotRecord.MovesFinished m) {
                header(out, MOVES_FINISHED, m.time(), m.project(), m.queue());
                out.writeLong(m.holdSeq());
            } else if (r instanceof SlotRecord.MessagesMovedIn m) {
                header(out, MESSAGES_MOVED_IN, m.time(), m.project(), m.queue());
                writeNullableString(out, m.requestId());
                out.writeLong(m.firstSeq());
                out.writeInt(m.messages().size());
                offsets = new int[m.messages().size()];
                lengths = new int[offsets.length];
                int k = 0;
                for (MovedMessage mm : m.messages()) {
                    out.writeInt(mm.ttlSeconds());
                    SlotSnapshot.writeOrigin(out, mm.origin());
                    out.writeInt(mm.ended());
                    out.writeInt(mm.recent().size());
                    for (Attempt a : mm.recent()) {
                        writeAttempt(out, a);
                    }
                    lengths[k] = mm.body().length;
                    offsets[k++] = writeCheckedBody(out, mm.body());
                }
            } else if (r instanceof QueueCreated c) {
                header(out, QUEUE_CREATED, c.time(), c.project(), c.queue());
            } else if (r instanceof QueueDeleted c) {
                header(out, QUEUE_DELETED, c.time(), c.project(), c.queue());
            } else if (r instanceof MetadataSet m) {
                header(out, METADATA_SET, m.time(), m.project(), m.queue());
                writeBytes(out, m.metadataJson());
            } else if (r instanceof SlotRecord.SeqFloorRaised f) {
                header(out, SEQ_FLOOR_RAISED, f.time(), "", "");
                out.writeLong(f.floor());
            } else {
                throw new IllegalArgumentException("unknown record " + r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Encoded(out.toByteArray(), offsets, lengths);
    }

    /** [length][crc32c][bytes]; returns the offset of the bytes. */
    private static int writeCheckedBody(ByteArrayDataOutput out, byte[] body) throws IOException {
        out.writeInt(body.length);
        CRC32C crc = new CRC32C();
        crc.update(body);
        out.writeInt((int) crc.getValue());
        int at = out.size();
        out.write(body);
        return at;
    }

    /**
     * Whether {@code crcAndBody} (a body read back from the log with the {@link #BODY_CHECK} bytes
     * before it) matches its checksum.
     */
    public static boolean bodyIntact(byte[] crcAndBody) {
        CRC32C crc = new CRC32C();
        crc.update(crcAndBody, BODY_CHECK, crcAndBody.length - BODY_CHECK);
        int stored = ((crcAndBody[0] & 0xFF) << 24) | ((crcAndBody[1] & 0xFF) << 16) | ((crcAndBody[2] & 0xFF) << 8)
                | (crcAndBody[3] & 0xFF);
        return (int) crc.getValue() == stored;
    }

    private static int estimate(SlotRecord r) {
        int size = 64;
        if (r instanceof MessagesPosted p) {
            for (NewMessage m : p.messages()) {
                size += m.body().length + 12;
            }
        } else if (r instanceof BodiesMoved b) {
            for (byte[] body : b.bodies()) {
                size += body.length + 16;
            }
        } else if (r instanceof SlotRecord.MessagesMovedIn m) {
            for (MovedMessage mm : m.messages()) {
                size += mm.body().length + 96 + 64 * mm.recent().size();
            }
        }
        return size;
    }

    /** Decodes a record; throws {@link IllegalArgumentException} for bytes that are not one. */
    public static SlotRecord decode(byte[] data) {
        return decodePlaced(data).record();
    }

    /** Decodes a record and finds its bodies; throws {@link IllegalArgumentException} for bytes that are not one. */
    public static Decoded decodePlaced(byte[] data) {
        BufferedDataInput in = new BufferedDataInput(data);
        try {
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_1) {
                throw new IllegalArgumentException("unknown record format version " + version);
            }
            boolean checked = version != VERSION_1;
            byte type = in.readByte();
            long time = in.readLong();
            String project = in.readUTF();
            String queue = in.readUTF();
            int[] offsets = NO_BODIES;
            SlotRecord record = switch (type) {
                case MESSAGES_POSTED, MESSAGES_POSTED_DELAYED -> {
                    long hi = in.readLong();
                    long lo = in.readLong();
                    String requestId = readNullableString(in);
                    long firstSeq = in.readLong();
                    int n = in.readInt();
                    if (n < 0 || n > 1 << 20) {
                        throw new IOException("implausible count " + n);
                    }
                    List<NewMessage> messages = new ArrayList<>(n);
                    offsets = new int[n];
                    for (int i = 0; i < n; i++) {
                        int delay = type == MESSAGES_POSTED_DELAYED ? in.readInt() : 0;
                        int ttl = in.readInt();
                        int len = in.readInt();
                        if (checked) {
                            in.readInt();
                        }
                        offsets[i] = in.position();
                        messages.add(new NewMessage(ttl, readBody(in, len), delay));
                    }
                    yield new MessagesPosted(time, project, queue, hi, lo, requestId, firstSeq, messages);
                }
                case BODIES_MOVED -> {
                    int n = in.readInt();
                    if (n < 0 || n > 1 << 20) {
                        throw new IOException("implausible count " + n);
                    }
                    long[] seqs = new long[n];
                    List<byte[]> bodies = new ArrayList<>(n);
                    offsets = new int[n];
                    for (int i = 0; i < n; i++) {
                        seqs[i] = in.readLong();
                        int len = in.readInt();
                        in.readInt();
                        offsets[i] = in.position();
                        bodies.add(readBody(in, len));
                    }
                    yield new BodiesMoved(time, project, queue, seqs, bodies);
                }
                case MESSAGES_DELETED -> new MessagesDeleted(time, project, queue, readLongs(in));
                case MESSAGES_CLAIMED -> new MessagesClaimed(time, project, queue, in.readLong(), in.readInt(),
                        in.readInt(), readLongs(in));
                case CLAIM_RENEWED -> new ClaimRenewed(time, project, queue, in.readLong(), in.readInt(), in.readInt());
                case CLAIM_RELEASED -> new ClaimReleased(time, project, queue, in.readLong());
                case CLAIM_RELEASED_WITH -> new ClaimReleased(time, project, queue, in.readLong(), in.readLong(), in.readLong(),
                        readNullableString(in), readNullableString(in));
                case STREAM_CLOSED -> new SlotRecord.StreamClosed(time, project, queue, readLongs(in));
                case SLOT_OPENED -> new SlotRecord.SlotOpened(time);
                case MOVES_STARTED -> new SlotRecord.MovesStarted(time, project, queue, in.readLong(), readLongs(in),
                        new Move(in.readUTF(), in.readInt(), in.readBoolean()));
                case MOVES_FINISHED -> new SlotRecord.MovesFinished(time, project, queue, in.readLong());
                case MESSAGES_MOVED_IN -> {
                    String requestId = readNullableString(in);
                    long firstSeq = in.readLong();
                    int n = in.readInt();
                    if (n < 0 || n > 1 << 20) {
                        throw new IOException("implausible count " + n);
                    }
                    List<MovedMessage> messages = new ArrayList<>(n);
                    offsets = new int[n];
                    for (int i = 0; i < n; i++) {
                        int ttl = in.readInt();
                        Origin origin = SlotSnapshot.readOrigin(in);
                        int ended = in.readInt();
                        int kept = in.readInt();
                        if (kept < 0 || kept > 1 << 10) {
                            throw new IOException("implausible count " + kept);
                        }
                        List<Attempt> recent = new ArrayList<>(kept);
                        for (int a = 0; a < kept; a++) {
                            recent.add(readAttempt(in));
                        }
                        int len = in.readInt();
                        in.readInt();
                        offsets[i] = in.position();
                        messages.add(new MovedMessage(ttl, readBody(in, len), origin, ended, List.copyOf(recent)));
                    }
                    yield new SlotRecord.MessagesMovedIn(time, project, queue, requestId, firstSeq, messages);
                }
                case QUEUE_CREATED -> new QueueCreated(time, project, queue);
                case QUEUE_DELETED -> new QueueDeleted(time, project, queue);
                case METADATA_SET -> new MetadataSet(time, project, queue, readBytes(in));
                case SEQ_FLOOR_RAISED -> new SlotRecord.SeqFloorRaised(time, in.readLong());
                default -> throw new IllegalArgumentException("unknown record type " + type);
            };
            return new Decoded(record, offsets, checked);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record", e);
        }
    }

    private static final AttemptOutcome[] OUTCOMES = AttemptOutcome.values();

    static void writeAttempt(DataOutput out, Attempt a) throws IOException {
        out.writeInt(a.number());
        out.writeInt(a.slot());
        out.writeLong(a.claimSeq());
        out.writeLong(a.startedAt());
        out.writeLong(a.endedAt());
        out.writeByte(a.outcome().ordinal());
        writeNullableString(out, a.errorClass());
        writeNullableString(out, a.errorMessage());
    }

    static Attempt readAttempt(DataInput in) throws IOException {
        int number = in.readInt();
        int slot = in.readInt();
        long claimSeq = in.readLong();
        long startedAt = in.readLong();
        long endedAt = in.readLong();
        int outcome = in.readUnsignedByte();
        if (outcome >= OUTCOMES.length) {
            throw new IOException("unknown attempt outcome " + outcome);
        }
        return new Attempt(number, slot, claimSeq, startedAt, endedAt, OUTCOMES[outcome], readNullableString(in),
                readNullableString(in));
    }

    private static void header(DataOutput out, byte type, long time, String project, String queue) throws IOException {
        out.writeByte(type);
        out.writeLong(time);
        out.writeUTF(project);
        out.writeUTF(queue);
    }

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        writeBytes(out, b, 0, b.length);
    }

    static void writeBytes(DataOutput out, byte[] b, int off, int len) throws IOException {
        out.writeInt(len);
        out.write(b, off, len);
    }

    static byte[] readBytes(DataInput in) throws IOException {
        return readBody(in, in.readInt());
    }

    private static byte[] readBody(DataInput in, int n) throws IOException {
        if (n < 0 || n > 64 << 20) {
            throw new IOException("implausible length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    static void writeLongs(DataOutput out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) {
            out.writeLong(v);
        }
    }

    static long[] readLongs(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 20) {
            throw new IOException("implausible count " + n);
        }
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readLong();
        }
        return values;
    }

    static void writeNullableString(DataOutput out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    static String readNullableString(DataInput in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
