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
            io.baton.api.v1.Attempt.Builder ab = io.baton.api.v1.Attempt.newBuilder()
                    .setNumber(a.number())
                    .setClaimId(Ids.encode(a.slot(), a.claimSeq()))
                    .setStartedAtMs(a.startedAt())
                    .setEndedAtMs(a.endedAt())
                    .setOutcome(a.outcome().code());
            if (a.errorClass() != null) {
                ab.setErrorClass(a.errorClass());
            }
            if (a.errorMessage() != null) {
                ab.setErrorMessage(a.errorMessage());
            }
            b.addLedger(ab);
        }
        return b.build();
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
