package io.baton.broker.slot;

import static io.baton.broker.slot.SlotFixture.ALICE;
import static io.baton.broker.slot.SlotFixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessageView;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each message's attempts: counted per claim, each ended with its reason, logged state throughout. */
class AttemptLedgerTest {
    private SlotFixture f;
    private long seq;

    @BeforeEach
    void setUp() {
        f = new SlotFixture();
        f.createQueue("q");
        seq = f.post("q", ALICE, 3600).get(0);
    }

    private MessageView message() {
        return f.run(new SlotCommand.GetMessage(P, "q", seq));
    }

    private long claim() {
        ClaimView c = f.claim("q", 1, 60, 60);
        assertThat(c.messages()).extracting(MessageView::seq).containsExactly(seq);
        return c.claimSeq();
    }

    @Test
    void aMessageNeverClaimedHasNoAttempts() {
        assertThat(message().attempts()).isZero();
        assertThat(message().ledger()).isEmpty();
    }

    @Test
    void theRunningAttemptIsCountedAndShownWithItsClaim() {
        long claim = claim();
        MessageView m = message();
        assertThat(m.attempts()).isEqualTo(1);
        assertThat(m.ledger()).extracting(Attempt::number, Attempt::claimSeq, Attempt::startedAt, Attempt::outcome)
                .containsExactly(tuple(1, claim, f.now, AttemptOutcome.RUNNING));
        // The claim's reply shows the same.
        f.advanceSeconds(61);
        ClaimView second = f.claim("q", 1, 60, 60);
        assertThat(second.messages().get(0).attempts()).isEqualTo(2);
    }

    @Test
    void eachEndingIsToldApart() {
        // 1: no extension ever: a silent worker.
        long silent = claim();
        f.advanceSeconds(61);
        // 2: extended once, then too slow.
        long slow = claim();
        f.advanceSeconds(30);
        f.run(new SlotCommand.UpdateClaim(P, "q", slow, 60, 0));
        f.advanceSeconds(61);
        // 3: released by a failed handler, which said why.
        long failed = claim();
        f.run(new SlotCommand.ReleaseClaim(P, "q", failed, 0, "java.io.IOException", "disk said no"));
        // 4: its stream closed and the worker never came back.
        long orphaned = claim();
        assertThat(f.run(new SlotCommand.MarkStreamClosed(P, "q", new long[] {orphaned}))).isTrue();
        f.advanceSeconds(61);
        // 5: the slot changed hands while the attempt ran; no renewal with the new owner.
        long moved = claim();
        f.advanceSeconds(10);
        assertThat(f.run(new SlotCommand.OpenSlot())).isTrue();
        f.advanceSeconds(51);
        // 6: running.
        long running = claim();

        MessageView m = message();
        assertThat(m.attempts()).isEqualTo(6);
        assertThat(m.ledger()).extracting(Attempt::number, Attempt::claimSeq, Attempt::outcome, Attempt::errorClass,
                Attempt::errorMessage).containsExactly(
                tuple(1, silent, AttemptOutcome.LEASE_EXPIRED_SILENT, null, null),
                tuple(2, slow, AttemptOutcome.LEASE_EXPIRED_AFTER_EXTENSIONS, null, null),
                tuple(3, failed, AttemptOutcome.RELEASED, "java.io.IOException", "disk said no"),
                tuple(4, orphaned, AttemptOutcome.STREAM_CLOSED, null, null),
                tuple(5, moved, AttemptOutcome.SLOT_MOVED, null, null),
                tuple(6, running, AttemptOutcome.RUNNING, null, null));
        // A lapsed lease ends at its expiry, whenever the slot notices.
        assertThat(m.ledger().get(0).endedAt()).isEqualTo(m.ledger().get(0).startedAt() + 60_000);
        assertThat(f.sm.counters().attemptsEnded(AttemptOutcome.RELEASED)).isEqualTo(1);
        assertThat(f.sm.counters().attemptsEnded(AttemptOutcome.SLOT_MOVED)).isEqualTo(1);

        // Replay and a snapshot restore give the same ledger, to the byte.
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
        SlotStateMachine restored = SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits());
        assertThat(SlotFixture.snapshot(restored)).isEqualTo(SlotFixture.snapshot(f.sm));
        MessageView again = SlotFixture.run(restored, new SlotCommand.GetMessage(P, "q", seq), f.now, new java.util.ArrayList<>(f.log));
        assertThat(again.ledger()).isEqualTo(m.ledger());
    }

    @Test
    void aStreamClosedThenRenewedIsNotBlamedOnTheStream() {
        long claim = claim();
        f.run(new SlotCommand.MarkStreamClosed(P, "q", new long[] {claim}));
        f.advanceSeconds(20);
        f.run(new SlotCommand.UpdateClaim(P, "q", claim, 60, 0)); // the worker came back on a new stream
        f.advanceSeconds(61);
        assertThat(message().ledger()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.LEASE_EXPIRED_AFTER_EXTENSIONS);
    }

    @Test
    void anAckEndsTheAttemptAndTheLedgerGoesWithTheMessage() {
        long claim = claim();
        f.run(new SlotCommand.ReleaseClaim(P, "q", claim));
        long second = claim();
        f.run(new SlotCommand.AckMessages(P, "q", new long[] {seq}, new long[] {second}));
        assertThat(f.sm.counters().attemptsEnded(AttemptOutcome.ACKED)).isEqualTo(1);
        assertThat(f.sm.counters().attemptsEnded(AttemptOutcome.RELEASED)).isEqualTo(1);
        assertThat(f.sm.overheadBytes()).isEqualTo(new SlotFixture().sm.overheadBytes() + emptyQueueOverhead());
    }

    private static long emptyQueueOverhead() {
        SlotFixture empty = new SlotFixture();
        empty.createQueue("q");
        return empty.sm.overheadBytes();
    }

    @Test
    void aReleaseWithARetryDelayHoldsNoLeaseAndComesBackWhenDue() {
        long claim = claim();
        f.run(new SlotCommand.ReleaseClaim(P, "q", claim, 2_500, "Boom", null));
        assertThat(f.sm.messageState(P, "q", seq)).isEqualTo(MessageState.DELAYED);
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).delayed()).isEqualTo(1);
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).claimed()).isZero();
        f.now += 2_499;
        assertThat(f.claim("q", 1, 60, 60).messages()).isEmpty();
        f.now += 1;
        assertThat(f.sm.nextClaimExpiry(P, "q")).isLessThanOrEqualTo(f.now);
        assertThat(f.claim("q", 1, 60, 60).messages()).extracting(MessageView::seq).containsExactly(seq);
        assertThat(message().attempts()).isEqualTo(2);
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aReleaseBatchIsOneDecisionWithAHoldForEachJobThatWaits() {
        long second = f.post("q", ALICE, 3600).get(0);
        long third = f.post("q", ALICE, 3600).get(0);
        List<ClaimView> claims = f.run(new SlotCommand.ClaimEach(P, "q", 3, 60, 60));
        assertThat(claims).hasSize(3);
        int records = f.log.size();
        int refused = f.run(new SlotCommand.ReleaseClaims(P, "q", List.of(
                new SlotCommand.ReleaseClaims.Release(claims.get(0).claimSeq(), 1_000, "A", "first"),
                new SlotCommand.ReleaseClaims.Release(claims.get(1).claimSeq(), 0, "B", null),
                new SlotCommand.ReleaseClaims.Release(claims.get(2).claimSeq(), 2_000, "C", null),
                new SlotCommand.ReleaseClaims.Release(claims.get(0).claimSeq(), 0, "again", null), // named twice
                new SlotCommand.ReleaseClaims.Release(999_999, 0, null, null)))); // never issued
        assertThat(refused).isEqualTo(2);
        assertThat(f.log.size() - records).as("one record per released claim").isEqualTo(3);
        assertThat(f.sm.messageState(P, "q", seq)).isEqualTo(MessageState.DELAYED);
        assertThat(f.sm.messageState(P, "q", second)).isEqualTo(MessageState.FREE);
        assertThat(f.sm.messageState(P, "q", third)).isEqualTo(MessageState.DELAYED);
        assertThat(message().ledger()).extracting(Attempt::outcome, Attempt::errorClass, Attempt::errorMessage)
                .containsExactly(tuple(AttemptOutcome.RELEASED, "A", "first"));
        // Each waiting job has a hold of its own: they come back one by one, when due.
        f.now += 1_000;
        assertThat(f.claim("q", 3, 60, 60).messages()).extracting(MessageView::seq).containsExactly(seq, second);
        f.now += 1_000;
        assertThat(f.claim("q", 3, 60, 60).messages()).extracting(MessageView::seq).containsExactly(third);
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aReleaseBatchWithABadDelayChangesNothing() {
        long claim = claim();
        int records = f.log.size();
        try {
            f.run(new SlotCommand.ReleaseClaims(P, "q", List.of(new SlotCommand.ReleaseClaims.Release(claim, 0, null, null),
                    new SlotCommand.ReleaseClaims.Release(claim, -2, null, null))));
            org.junit.jupiter.api.Assertions.fail("a negative delay was accepted");
        } catch (SlotException e) {
            assertThat(e.code()).isEqualTo(io.baton.api.ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(f.log.size()).isEqualTo(records);
        assertThat(f.sm.messageState(P, "q", seq)).isEqualTo(MessageState.CLAIMED);
    }

    @Test
    void longErrorsAreCutAndOnlyTheLatestAttemptsAreKeptInFull() {
        String longMessage = "x".repeat(5_000);
        for (int i = 0; i < 25; i++) {
            long claim = claim();
            f.run(new SlotCommand.ReleaseClaim(P, "q", claim, 0, "E".repeat(1_000), longMessage));
        }
        MessageView m = message();
        assertThat(m.attempts()).isEqualTo(25);
        assertThat(m.ledger()).hasSize(Ledger.KEPT);
        assertThat(m.ledger()).extracting(Attempt::number).containsExactly(16, 17, 18, 19, 20, 21, 22, 23, 24, 25);
        assertThat(m.ledger().get(0).errorClass()).hasSize(Attempt.ERROR_CLASS_MAX);
        assertThat(m.ledger().get(0).errorMessage()).hasSize(Attempt.ERROR_MESSAGE_MAX);
        assertThat(SlotFixture.snapshot(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits())))
                .isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void theQueuesRetryBackoffGrowsWithTheAttemptWithFullJitter() {
        f.run(new SlotCommand.SetMetadata(P, "q", "{\"_retry_backoff_initial_ms\":100,\"_retry_backoff_max_ms\":1000}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        long[] caps = {100, 200, 400, 800, 1000, 1000};
        long longest = 0;
        for (long cap : caps) {
            long claim = claim();
            f.run(new SlotCommand.ReleaseClaim(P, "q", claim, SlotCommand.ReleaseClaim.QUEUE_BACKOFF, "E", null));
            long wait = 0;
            while (f.sm.messageState(P, "q", seq) == MessageState.DELAYED) {
                f.now += 1;
                wait++;
                f.sm.advanceTo(f.now);
            }
            assertThat(wait).as("backoff with cap %d", cap).isBetween(0L, cap);
            longest = Math.max(longest, wait);
        }
        assertThat(longest).as("some draw waits").isPositive();
        assertThat(message().attempts()).isEqualTo(caps.length);
        SlotStateMachine replayed = f.replayed();
        replayed.advanceTo(f.now);
        assertThat(SlotFixture.snapshot(replayed)).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void withoutARetryPolicyTheQueueBackoffIsNone() {
        long claim = claim();
        f.run(new SlotCommand.ReleaseClaim(P, "q", claim, SlotCommand.ReleaseClaim.QUEUE_BACKOFF, null, null));
        assertThat(f.sm.messageState(P, "q", seq)).isEqualTo(MessageState.FREE);
    }

    @Test
    void badRetryPoliciesAreRefused() {
        for (String bad : List.of("{\"_retry_backoff_initial_ms\":0}", "{\"_retry_backoff_initial_ms\":3600001}",
                "{\"_retry_backoff_initial_ms\":500,\"_retry_backoff_max_ms\":100}", "{\"_retry_backoff_max_ms\":\"x\"}")) {
            try {
                f.run(new SlotCommand.SetMetadata(P, "q", bad.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                throw new AssertionError("accepted " + bad);
            } catch (SlotException e) {
                assertThat(e.code()).as(bad).isEqualTo(io.baton.api.ErrorCode.INVALID_ARGUMENT);
            }
        }
    }

    @Test
    void openingASlotWithNoClaimsWritesNothing() {
        int records = f.log.size();
        assertThat(f.run(new SlotCommand.OpenSlot())).isFalse();
        assertThat(f.log).hasSize(records);
    }

    @Test
    void aNegativeRetryDelayIsRefused() {
        long claim = claim();
        int records = f.log.size();
        try {
            f.run(new SlotCommand.ReleaseClaim(P, "q", claim, -2, null, null));
            throw new AssertionError("expected a refusal");
        } catch (SlotException e) {
            assertThat(e.code()).isEqualTo(io.baton.api.ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(f.log).hasSize(records);
        assertThat(List.of(f.sm.messageState(P, "q", seq))).containsExactly(MessageState.CLAIMED);
    }
}
