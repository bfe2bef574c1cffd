package io.baton.broker.slot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Drives a state machine the way the broker's driver does (decide, apply, reply, load the reply's
 * bodies), keeping every record (encoded and decoded again, as the log would) so tests can replay
 * them. A record's address is its index in {@link #log} shifted left by 24 bits, the way the
 * BookKeeper log numbers bytes; bodies are loaded from there and their checksums checked.
 */
final class SlotFixture {
    static final String P = "proj";
    static final UUID ALICE = UUID.fromString("11111111-1111-1111-1111-111111111111");
    static final UUID BOB = UUID.fromString("22222222-2222-2222-2222-222222222222");

    final SlotStateMachine sm;
    final List<byte[]> log = new ArrayList<>();
    long now = 1_700_000_000_000L;

    SlotFixture() {
        this(SlotLimits.v1());
    }

    SlotFixture(SlotLimits limits) {
        sm = new SlotStateMachine(7, limits);
    }

    <R> R run(SlotCommand<R> command) {
        return run(sm, command, now, log);
    }

    /**
     * Decides {@code command} at {@code now}, applies its records as the log would return them,
     * appends them to {@code log}, and loads the reply's bodies from it.
     */
    static <R> R run(SlotStateMachine sm, SlotCommand<R> command, long now, List<byte[]> log) {
        Decision<R> d = command.decide(sm, now);
        long seqBefore = sm.nextSeq();
        for (SlotRecord r : d.records()) {
            byte[] bytes = RecordCodec.encode(r);
            long address = addressOf(log.size());
            log.add(bytes);
            RecordCodec.Decoded decoded = RecordCodec.decodePlaced(bytes);
            sm.apply(decoded.record(), decoded.at(address));
        }
        // The driver lets a command issue ids only while the recorded reservation covers them
        // (raising the floor issues none: it skips ids past a recorded reservation).
        if (sm.nextSeq() != seqBefore && !command.issuesIds() && !(command instanceof SlotCommand.RaiseSeqFloor)) {
            throw new AssertionError(command.getClass().getSimpleName() + " issued ids but does not say so (issuesIds)");
        }
        R reply = d.reply().get();
        for (Body b : Views.bodiesOf(reply)) {
            if (!b.loaded()) {
                b.fill(load(log, b));
            }
        }
        return reply;
    }

    static long addressOf(int index) {
        return (long) index << 24;
    }

    /** A body read back from the records, its checksum checked. */
    static byte[] load(List<byte[]> log, Body b) {
        byte[] record = log.get((int) (b.address() >>> 24));
        int at = (int) (b.address() & 0xFFFFFF);
        byte[] raw = java.util.Arrays.copyOfRange(record, at - RecordCodec.BODY_CHECK, at + b.length());
        if (!RecordCodec.bodyIntact(raw)) {
            throw new AssertionError("body at " + b.address() + " fails its checksum");
        }
        return java.util.Arrays.copyOfRange(raw, RecordCodec.BODY_CHECK, raw.length);
    }

    /** Replays {@code log} into {@code sm} as the driver does. */
    static void replay(SlotStateMachine sm, List<byte[]> log) {
        for (int i = 0; i < log.size(); i++) {
            RecordCodec.Decoded decoded = RecordCodec.decodePlaced(log.get(i));
            sm.apply(decoded.record(), decoded.at(addressOf(i)));
        }
    }

    void advanceSeconds(long seconds) {
        now += seconds * 1000;
    }

    void createQueue(String q) {
        run(new SlotCommand.CreateQueue(P, q));
    }

    List<Long> post(String q, UUID client, int... ttls) {
        List<NewMessage> ms = new ArrayList<>();
        for (int i = 0; i < ttls.length; i++) {
            ms.add(new NewMessage(ttls[i], ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return run(new SlotCommand.Publish(P, q, client, null, ms)).seqs();
    }

    Views.ClaimView claim(String q, int limit, long ttl, long grace) {
        return run(new SlotCommand.CreateClaim(P, q, limit, ttl, grace));
    }

    /** A state machine rebuilt from nothing but the records written so far. */
    SlotStateMachine replayed() {
        SlotStateMachine fresh = new SlotStateMachine(sm.slot(), sm.limits());
        replay(fresh, log);
        return fresh;
    }

    static byte[] snapshot(SlotStateMachine sm) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            SlotSnapshot.write(sm, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static SlotStateMachine restore(byte[] snapshot, SlotLimits limits) {
        try {
            return SlotSnapshot.read(new DataInputStream(new ByteArrayInputStream(snapshot)), limits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
