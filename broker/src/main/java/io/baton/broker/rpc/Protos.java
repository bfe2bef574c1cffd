package io.baton.broker.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.baton.api.Ids;
import io.baton.api.v1.Message;
import io.baton.api.v1.MessageSummary;
import io.baton.broker.slot.Views.MessageView;
import java.util.List;

/** Conversions from slot views to protobuf messages. */
final class Protos {
    private Protos() {}

    static Message message(int slot, MessageView v) {
        Message.Builder b = Message.newBuilder()
                .setId(Ids.encode(slot, v.seq()))
                .setTtlSeconds(v.ttlSeconds())
                .setAgeSeconds(v.ageSeconds())
                .setCreatedAtMs(v.createdAt())
                // A loaded body is never changed afterwards, so it is shared without a copy.
                .setBodyJson(UnsafeByteOperations.unsafeWrap(v.body()));
        if (v.claimSeq() != 0) {
            b.setClaimId(Ids.encode(slot, v.claimSeq()));
        }
        b.setAttempts(v.attempts());
        for (io.baton.broker.slot.Attempt a : v.ledger()) {
            b.addLedger(attempt(a));
        }
        return b.build();
    }

    /** An attempt on the wire: its claim as an id (slot and sequence). */
    static io.baton.api.v1.Attempt attempt(io.baton.broker.slot.Attempt a) {
        io.baton.api.v1.Attempt.Builder b = io.baton.api.v1.Attempt.newBuilder()
                .setNumber(a.number())
                .setClaimId(Ids.encode(a.slot(), a.claimSeq()))
                .setStartedAtMs(a.startedAt())
                .setEndedAtMs(a.endedAt())
                .setOutcome(a.outcome().code());
        if (a.errorClass() != null) {
            b.setErrorClass(a.errorClass());
        }
        if (a.errorMessage() != null) {
            b.setErrorMessage(a.errorMessage());
        }
        return b.build();
    }

    /** An attempt read from the wire; refuses one with a malformed claim id, number or outcome. */
    static io.baton.broker.slot.Attempt attemptOf(io.baton.api.v1.Attempt a) {
        io.baton.broker.slot.AttemptOutcome outcome = io.baton.broker.slot.AttemptOutcome.ofCode(a.getOutcome());
        if (outcome == null || a.getNumber() < 1 || !Ids.wellFormed(a.getClaimId())) {
            throw SlotCalls.invalid("An attempt has an unknown outcome, a number below 1 or a malformed claim id.");
        }
        return new io.baton.broker.slot.Attempt(a.getNumber(), Ids.slot(a.getClaimId()), Ids.sequence(a.getClaimId()),
                a.getStartedAtMs(), a.getEndedAtMs(), outcome, a.getErrorClass().isEmpty() ? null : a.getErrorClass(),
                a.getErrorMessage().isEmpty() ? null : a.getErrorMessage());
    }

    static List<Message> messages(int slot, List<MessageView> views) {
        return views.stream().map(v -> message(slot, v)).toList();
    }

    static MessageSummary summary(int slot, io.baton.broker.slot.Views.MessageSummary s) {
        return MessageSummary.newBuilder().setId(Ids.encode(slot, s.seq())).setAgeSeconds(s.ageSeconds())
                .setCreatedAtMs(s.createdAt()).build();
    }

    /** The sequence of an id issued by {@code slot}, or -1 for anything else. */
    static long seqOf(String id, int slot) {
        return Ids.slot(id) == slot ? Ids.sequence(id) : -1;
    }

    static long[] seqsOf(List<String> ids, int slot) {
        long[] seqs = new long[ids.size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = seqOf(ids.get(i), slot);
        }
        return seqs;
    }
}
