package io.baton.broker.rpc;

import com.google.protobuf.UnsafeByteOperations;
import io.baton.api.v1.Message;
import io.baton.api.v1.MessageSummary;
import io.baton.broker.slot.Views.MessageView;
import java.util.ArrayList;
import java.util.List;

/** Conversions between slot views and protobuf messages, ids encoded and decoded by the cluster's {@link IdCodec}. */
public final class Protos {
    private final IdCodec ids;
    private final AttemptClaimIds attemptClaimIds;

    public Protos(IdCodec ids) {
        this.ids = ids;
        this.attemptClaimIds = new AttemptClaimIds(ids);
    }

    /** {@code v} as held by its claim, if any: the full form every call returns. */
    Message message(int slot, MessageView v) {
        return message(slot, v, v.claimSeq(), heldBy(slot, v.claimSeq()), false);
    }

    /**
     * {@code v} as pushed to a streaming worker under claim {@code claimSeq}, whose id is {@code
     * claimId}: in the full form, as {@link #message} gives it; in the compact form (the worker
     * asked for it) without the claim id, which the job carries, and without the running attempt
     * at the ledger's end, which is that claim.
     */
    Message pushed(int slot, MessageView v, long claimSeq, String claimId, boolean compact) {
        return message(slot, v, claimSeq, claimId, compact);
    }

    /** {@code claimId}: claim {@code claimSeq}'s, already encoded (null: none), so the messages of one claim share one encoding. */
    private Message message(int slot, MessageView v, long claimSeq, String claimId, boolean compact) {
        Message.Builder b = Message.newBuilder()
                .setId(ids.messageId(slot, v.seq()))
                .setTtlSeconds(v.ttlSeconds())
                .setAgeSeconds(v.ageSeconds())
                .setCreatedAtMs(v.createdAt())
                // A loaded body is never changed afterwards, so it is shared without a copy.
                .setBodyJson(UnsafeByteOperations.unsafeWrap(v.body()));
        if (claimId != null && !compact) {
            b.setClaimId(claimId);
        }
        b.setAttempts(v.attempts());
        List<io.baton.broker.slot.Attempt> ledger = v.ledger();
        if (!ledger.isEmpty()) {
            int sent = ledger.size();
            if (claimId != null) {
                // The ledger's last entry is the running attempt: this very claim. Its id is kept
                // for the pushes that will list it as ended.
                attemptClaimIds.remember(slot, claimSeq, claimId);
                if (compact && ledger.get(sent - 1).outcome() == io.baton.broker.slot.AttemptOutcome.RUNNING) {
                    sent--;
                }
            }
            for (int i = 0; i < sent; i++) {
                b.addLedger(attempt(ledger.get(i)));
            }
        }
        return b.build();
    }

    /** An attempt on the wire: its claim as an id (slot and sequence). */
    io.baton.api.v1.Attempt attempt(io.baton.broker.slot.Attempt a) {
        io.baton.api.v1.Attempt.Builder b = io.baton.api.v1.Attempt.newBuilder()
                .setNumber(a.number())
                .setClaimId(attemptClaimIds.claimId(a.slot(), a.claimSeq()))
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
    io.baton.broker.slot.Attempt attemptOf(io.baton.api.v1.Attempt a) {
        io.baton.broker.slot.AttemptOutcome outcome = io.baton.broker.slot.AttemptOutcome.ofCode(a.getOutcome());
        int claimSlot = IdCodec.slotOf(a.getClaimId());
        long claimSeq = claimSlot < 0 ? -1 : ids.claimSeq(a.getClaimId(), claimSlot);
        if (outcome == null || a.getNumber() < 1 || claimSeq < 0) {
            throw SlotCalls.invalid("An attempt has an unknown outcome, a number below 1 or a malformed claim id.");
        }
        return new io.baton.broker.slot.Attempt(a.getNumber(), claimSlot, claimSeq,
                a.getStartedAtMs(), a.getEndedAtMs(), outcome, a.getErrorClass().isEmpty() ? null : a.getErrorClass(),
                a.getErrorMessage().isEmpty() ? null : a.getErrorMessage());
    }

    /** The messages of one claim carry the same claim id: it is encoded once per run of them (AES work). */
    List<Message> messages(int slot, List<MessageView> views) {
        List<Message> out = new ArrayList<>(views.size());
        long claimSeq = 0;
        String claimId = null;
        for (MessageView v : views) {
            if (v.claimSeq() != claimSeq) {
                claimSeq = v.claimSeq();
                claimId = heldBy(slot, claimSeq);
            }
            out.add(message(slot, v, claimSeq, claimId, false));
        }
        return out;
    }

    MessageSummary summary(int slot, io.baton.broker.slot.Views.MessageSummary s) {
        return MessageSummary.newBuilder().setId(ids.messageId(slot, s.seq())).setAgeSeconds(s.ageSeconds())
                .setCreatedAtMs(s.createdAt()).build();
    }

    /** The sequence of a message id issued by {@code slot}, or -1 for anything else. */
    long messageSeq(String id, int slot) {
        return ids.messageSeq(id, slot);
    }

    /** The sequence of a claim id issued by {@code slot}, or -1 for anything else (a guessed one included). */
    long claimSeq(String id, int slot) {
        return ids.claimSeq(id, slot);
    }

    long[] messageSeqs(List<String> messageIds, int slot) {
        long[] seqs = new long[messageIds.size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = messageSeq(messageIds.get(i), slot);
        }
        return seqs;
    }

    String messageId(int slot, long seq) {
        return ids.messageId(slot, seq);
    }

    /** Claim {@code claimSeq}'s id, or null for 0 (a message no claim holds). */
    private String heldBy(int slot, long claimSeq) {
        return claimSeq == 0 ? null : ids.claimId(slot, claimSeq);
    }

    String claimId(int slot, long seq) {
        return ids.claimId(slot, seq);
    }
}
