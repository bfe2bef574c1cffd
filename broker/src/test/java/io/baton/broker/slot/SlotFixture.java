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
 * Drives a state machine the way the broker's driver does (decide, apply, reply), keeping every
 * record (encoded and decoded again, as the log would) so tests can replay them.
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

    /** Decides {@code command} at {@code now}, applies its records as the log would return them, and appends them to {@code log}. */
    static <R> R run(SlotStateMachine sm, SlotCommand<R> command, long now, List<byte[]> log) {
        Decision<R> d = command.decide(sm, now);
        for (SlotRecord r : d.records()) {
            byte[] bytes = RecordCodec.encode(r);
            log.add(bytes);
            sm.apply(RecordCodec.decode(bytes));
        }
        return d.reply().get();
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
        for (byte[] r : log) {
            fresh.apply(RecordCodec.decode(r));
        }
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
