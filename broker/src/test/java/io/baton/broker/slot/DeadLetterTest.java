package io.baton.broker.slot;

import static io.baton.broker.slot.SlotFixture.ALICE;
import static io.baton.broker.slot.SlotFixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.MoveBatch;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Zaqar v2's dead letters on one slot: a message claimed {@code _max_claim_count} times goes to
 * {@code _dead_letter_queue} instead of a next claim, in two durable steps (copy there, then
 * delete here) that the broker's mover drives and that tolerate a copy delivered twice; a
 * redrive sends it back.
 */
class DeadLetterTest {
    private SlotFixture f;

    @BeforeEach
    void setUp() {
        f = new SlotFixture();
        f.createQueue("jobs");
    }

    private void policy(String json) {
        assertThat(f.run(new SlotCommand.SetMetadata(P, "jobs", json.getBytes(StandardCharsets.UTF_8)))).isTrue();
    }

    private ClaimView claimAndFail() {
        ClaimView c = f.claim("jobs", 1, 60, 60);
        if (c.claimSeq() != 0) {
            f.run(new SlotCommand.ReleaseClaim(P, "jobs", c.claimSeq(), 0, "Poison", "always fails"));
        }
        return c;
    }

    /** Copies what is being moved to where it goes ({@code times} times), then finishes the moves. */
    private List<MoveBatch> mover(int times, boolean finish) {
        List<MoveBatch> batches = f.run(new SlotCommand.PendingMoves(1_000));
        for (MoveBatch b : batches) {
            List<MovedMessage> copies = b.messages().stream().map(m -> new MovedMessage(m.ttlSeconds(), m.bodyRef().bytes(),
                    m.origin(), m.ended(), m.recent())).toList();
            for (int k = 0; k < times; k++) {
                f.run(new SlotCommand.AcceptMoved(P, b.move().queue(), "move-7-" + b.holdSeq(), copies));
            }
            if (finish) {
                f.run(new SlotCommand.FinishMove(P, b.queue(), b.holdSeq()));
            }
        }
        return batches;
    }

    /** {@code n} dead letters moved into {@code queue} from slot 5, each with three failed attempts. */
    private void deadLetters(String queue, int n) {
        for (int batch = 0; batch * 50 < n; batch++) {
            List<MovedMessage> copies = new java.util.ArrayList<>();
            for (int k = 0; k < 50 && batch * 50 + k < n; k++) {
                long seq = batch * 50L + k + 1;
                List<Attempt> ledger = new java.util.ArrayList<>();
                for (int a = 1; a <= 3; a++) {
                    // Decoded from a record: equal strings, not the same objects.
                    ledger.add(new Attempt(a, 5, seq * 10 + a, 1_000L * a, 1_000L * a + 5, AttemptOutcome.RELEASED,
                            new String("java.lang.IllegalStateException"), "attempt " + a + " failed"));
                }
                copies.add(new MovedMessage(600, ("\"job " + seq + "\"").getBytes(StandardCharsets.UTF_8),
                        new Origin(5, new String("jobs"), seq, 1_000, 600), 3, ledger));
            }
            f.run(new SlotCommand.AcceptMoved(P, queue, "move-5-" + batch, copies));
        }
    }

    /** Claims {@code n} of {@code queue}'s free messages, 20 at a time; then deletes them, or else releases them failed. */
    private void claimThen(String queue, int n, boolean delete) {
        for (int done = 0; done < n; done += 20) {
            ClaimView c = f.claim(queue, Math.min(20, n - done), 60, 60);
            if (delete) {
                f.run(new SlotCommand.DeleteMessages(P, queue, c.messages().stream().mapToLong(MessageView::seq).toArray()));
            } else {
                f.run(new SlotCommand.ReleaseClaim(P, queue, c.claimSeq(), 0, "Again", "failed in the dead-letter queue too"));
            }
        }
    }

    @Test
    void theCheckpointPolicyAndTheMemoryBudgetCountADeadLettersLedgerAndOrigin() {
        long heapBefore = f.sm.heapEstimate();
        deadLetters("jobs-dlq", 2_000);
        // The policy compares the log's growth with this estimate: at 20 bytes a message it took a
        // dead-letter queue's snapshot for a twentieth of what it is, and cut it that much too often.
        int snapshot = SlotFixture.snapshot(f.sm).length;
        assertThat(snapshot).isGreaterThan(2_000 * 150);
        assertThat(f.sm.liveBytesEstimate()).isBetween((long) snapshot * 9 / 10, (long) snapshot * 2);
        // The memory budget counts each dead letter's origin and ledger beside its index entry.
        assertThat(f.sm.heapEstimate() - heapBefore).isGreaterThanOrEqualTo(2_000L
                * (SlotUsage.PER_MESSAGE + QueueState.ORIGIN_HEAP_BYTES + Ledger.HEAP_BASE + 3 * Ledger.HEAP_PER_ATTEMPT));
        long[] notes = f.sm.noteBytes();
        assertThat(new long[] {notes[1], notes[3], notes[5]}).containsExactly(notes[0], notes[2], notes[4]);
        // Gone with their messages, and with their queue.
        claimThen("jobs-dlq", 1_000, true);
        notes = f.sm.noteBytes();
        assertThat(new long[] {notes[1], notes[3], notes[5]}).containsExactly(notes[0], notes[2], notes[4]);
        assertThat(notes[3]).isEqualTo(1_000 * QueueState.ORIGIN_HEAP_BYTES);
        f.run(new SlotCommand.DeleteQueue(P, "jobs-dlq"));
        assertThat(f.sm.noteBytes()).containsExactly(0, 0, 0, 0, 0, 0);
    }

    @Test
    void aSnapshotTakesTheLedgersAndOriginsWithTheBlocksAndKeepsThemAsTheyWere() throws Exception {
        deadLetters("jobs-dlq", 1_500);
        byte[] atOnce = SlotFixture.snapshot(f.sm);
        SlotSnapshot.Image image = SlotSnapshot.capture(f.sm);
        // After the capture: half the dead letters claimed and released (a new ledger each), a
        // third deleted, more moved in; the image still writes the state it captured.
        claimThen("jobs-dlq", 760, false);
        claimThen("jobs-dlq", 500, true);
        deadLetters("more-dlq", 100);
        java.io.ByteArrayOutputStream later = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(later)) {
            image.writeTo(out, SlotSnapshot.LiveBodies.NONE);
        }
        assertThat(later.toByteArray()).isEqualTo(atOnce);
        // A slot restored from it holds the same ledgers, origins and de-duplication of copies.
        SlotStateMachine restored = SlotSnapshot.read(new java.io.DataInputStream(new java.io.ByteArrayInputStream(atOnce)),
                SlotLimits.v1());
        assertThat(SlotFixture.snapshot(restored)).isEqualTo(atOnce);
        assertThat(restored.noteBytes()[5]).isEqualTo(restored.noteBytes()[4]).isGreaterThan(1_500L * 150);
    }

    @Test
    void aMessageClaimedAsOftenAsAllowedGoesToTheDeadLetterQueueWithItsLedger() {
        policy("{\"_max_claim_count\":2,\"_dead_letter_queue\":\"jobs-dlq\",\"_dead_letter_queue_messages_ttl\":7200}");
        long poison = f.post("jobs", ALICE, 3600).get(0);
        assertThat(claimAndFail().messages()).hasSize(1);
        assertThat(f.sm.messageState(P, "jobs", poison)).isEqualTo(MessageState.FREE);
        // The second attempt is the last allowed: its release moves the message at once, and a
        // third claim finds nothing.
        assertThat(claimAndFail().messages()).hasSize(1);
        assertThat(f.sm.messageState(P, "jobs", poison)).isEqualTo(MessageState.MOVING);
        assertThat(claimAndFail().messages()).isEmpty();
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs")).free()).isZero();

        // A copy delivered twice (the mover retried) is taken once; then the original goes.
        List<MoveBatch> moved = mover(2, true);
        assertThat(moved).hasSize(1);
        assertThat(moved.get(0).move()).isEqualTo(new Move("jobs-dlq", 7200, false));
        assertThat(f.sm.messageState(P, "jobs", poison)).isNull();
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs")).total()).isZero();
        assertThat(f.sm.counters().messagesDeadLettered).isEqualTo(1);
        // The traffic counts: one dead-lettered from jobs; one arrival in jobs-dlq, none deleted there.
        Views.Rates jobs = f.run(new SlotCommand.GetStats(P, "jobs")).rates();
        assertThat(java.util.stream.IntStream.of(jobs.deadLettered()).sum()).isOne();
        Views.Rates dlqRates = f.run(new SlotCommand.GetStats(P, "jobs-dlq")).rates();
        assertThat(java.util.stream.IntStream.of(dlqRates.posted()).sum()).isOne();
        assertThat(java.util.stream.IntStream.of(dlqRates.deadLettered()).sum()).isZero();

        Views.MessagePage dlq = f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true, true));
        assertThat(dlq.messages()).hasSize(1);
        MessageView dead = dlq.messages().get(0);
        assertThat(dead.ttlSeconds()).isEqualTo(7200);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.ledger()).extracting(Attempt::outcome, Attempt::errorClass).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AttemptOutcome.RELEASED, "Poison"),
                org.assertj.core.groups.Tuple.tuple(AttemptOutcome.RELEASED, "Poison"));
        assertThat(dead.ledger()).allSatisfy(a -> assertThat(a.slot()).isEqualTo(f.sm.slot()));

        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
        assertThat(SlotFixture.snapshot(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits())))
                .isEqualTo(SlotFixture.snapshot(f.sm));
    }

    /** Releases claim {@code c} as a worker's handler that gave up on it does. */
    private int giveUp(ClaimView c, long delayMillis) {
        return f.run(new SlotCommand.ReleaseClaims(P, "jobs", List.of(
                new SlotCommand.ReleaseClaims.Release(c.claimSeq(), delayMillis, "BadInput", "cannot parse", true))));
    }

    @Test
    void aReleaseThatGivesUpSendsTheMessageToTheDeadLetterQueueAtOnceWithItsLedger() {
        policy("{\"_max_claim_count\":5,\"_dead_letter_queue\":\"jobs-dlq\"}");
        long job = f.post("jobs", ALICE, 3600).get(0);
        long other = f.post("jobs", ALICE, 3600).get(0);
        claimAndFail(); // one ordinary failure first: retried
        ClaimView c = f.claim("jobs", 1, 60, 60);
        assertThat(c.messages()).extracting(MessageView::seq).containsExactly(job);
        // A delay asked with it is ignored: the job is not coming back.
        assertThat(giveUp(c, 30_000)).isZero();
        assertThat(f.sm.messageState(P, "jobs", job)).isEqualTo(MessageState.MOVING);
        // Never claimable between the release and the move: the next claim takes the other message.
        assertThat(f.claim("jobs", 10, 60, 60).messages()).extracting(MessageView::seq).containsExactly(other);

        List<MoveBatch> moved = mover(1, true);
        assertThat(moved).hasSize(1);
        assertThat(moved.get(0).move()).isEqualTo(new Move("jobs-dlq", 0, false));
        assertThat(f.sm.messageState(P, "jobs", job)).isNull();
        assertThat(f.sm.counters().messagesDeadLettered).isEqualTo(1);
        MessageView dead = f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true, true)).messages().get(0);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.ledger()).extracting(Attempt::outcome, Attempt::errorClass, Attempt::errorMessage).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AttemptOutcome.RELEASED, "Poison", "always fails"),
                org.assertj.core.groups.Tuple.tuple(AttemptOutcome.RELEASED, "BadInput", "cannot parse"));

        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
        assertThat(SlotFixture.snapshot(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits())))
                .isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aReleaseThatGivesUpOnAQueueWithoutADeadLetterQueueIsAnOrdinaryRelease() {
        policy("{\"_max_claim_count\":5}"); // a limit but nowhere to send what exceeds it
        long job = f.post("jobs", ALICE, 3600).get(0);
        ClaimView c = f.claim("jobs", 1, 60, 60);
        assertThat(giveUp(c, 0)).isZero();
        assertThat(f.sm.messageState(P, "jobs", job)).isNotEqualTo(MessageState.MOVING);
        // Claimable again at once, its attempt ended as released with the reason given.
        ClaimView again = f.claim("jobs", 1, 60, 60);
        assertThat(again.messages()).extracting(MessageView::seq).containsExactly(job);
        assertThat(again.messages().get(0).ledger().get(0).errorClass()).isEqualTo("BadInput");
        assertThat(f.run(new SlotCommand.PendingMoves(1_000))).isEmpty();
        // A delay asked with it applies then, as for any release.
        assertThat(giveUp(again, 60_000)).isZero();
        assertThat(f.claim("jobs", 1, 60, 60).messages()).isEmpty();
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void givingUpNeedsOnlyTheDeadLetterQueueNotAClaimLimit() {
        policy("{\"_dead_letter_queue\":\"jobs-dlq\"}");
        long job = f.post("jobs", ALICE, 3600).get(0);
        claimAndFail();
        claimAndFail(); // no claim limit: ordinary failures come back, however many
        assertThat(giveUp(f.claim("jobs", 1, 60, 60), 0)).isZero();
        assertThat(f.sm.messageState(P, "jobs", job)).isEqualTo(MessageState.MOVING);
        mover(1, true);
        assertThat(f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true, true)).messages())
                .singleElement().satisfies(m -> assertThat(m.attempts()).isEqualTo(3));
    }

    @Test
    void aClaimGivenUpTwiceInOneBatchMovesOnceAndTheSecondIsRefused() {
        policy("{\"_max_claim_count\":5,\"_dead_letter_queue\":\"jobs-dlq\"}");
        f.post("jobs", ALICE, 3600);
        ClaimView c = f.claim("jobs", 1, 60, 60);
        SlotCommand.ReleaseClaims.Release r = new SlotCommand.ReleaseClaims.Release(c.claimSeq(), 0, "BadInput", null, true);
        assertThat(f.run(new SlotCommand.ReleaseClaims(P, "jobs", List.of(r, r)))).isOne();
        assertThat(mover(1, true)).singleElement().satisfies(b -> assertThat(b.messages()).hasSize(1));
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs-dlq")).total()).isOne();
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs")).total()).isZero();
    }

    @Test
    void theLastAllowedAttemptMovesOnItsReleaseWithoutWaitingItsBackoff() {
        policy("{\"_max_claim_count\":2,\"_dead_letter_queue\":\"jobs-dlq\",\"_retry_backoff_initial_ms\":60000}");
        long job = f.post("jobs", ALICE, 3600).get(0);
        ClaimView first = f.claim("jobs", 1, 60, 60);
        f.run(new SlotCommand.ReleaseClaims(P, "jobs", List.of(new SlotCommand.ReleaseClaims.Release(first.claimSeq(),
                SlotCommand.ReleaseClaim.QUEUE_BACKOFF, "Poison", "always fails"))));
        assertThat(f.sm.messageState(P, "jobs", job)).isEqualTo(MessageState.DELAYED); // an ordinary retry waits its backoff
        f.advanceSeconds(61);
        ClaimView last = f.claim("jobs", 1, 60, 60);
        assertThat(last.messages()).extracting(MessageView::seq).containsExactly(job);
        f.run(new SlotCommand.ReleaseClaims(P, "jobs", List.of(new SlotCommand.ReleaseClaims.Release(last.claimSeq(),
                SlotCommand.ReleaseClaim.QUEUE_BACKOFF, "Poison", "still fails"))));
        // No attempt is left, so nothing waits: the message is on its way, no backoff and no claim later.
        assertThat(f.sm.messageState(P, "jobs", job)).isEqualTo(MessageState.MOVING);
        assertThat(mover(1, true)).singleElement().satisfies(b -> assertThat(b.messages()).hasSize(1));
        MessageView dead = f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true, true)).messages().get(0);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.ledger()).extracting(Attempt::errorMessage).containsExactly("always fails", "still fails");
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aClaimOfSeveralMovesItsSpentMessagesOnReleaseAndFreesTheRest() {
        policy("{\"_max_claim_count\":2,\"_dead_letter_queue\":\"jobs-dlq\"}");
        long spent = f.post("jobs", ALICE, 3600).get(0);
        ClaimView once = f.claim("jobs", 1, 60, 60);
        f.run(new SlotCommand.ReleaseClaim(P, "jobs", once.claimSeq())); // v1's DELETE of a claim: one attempt used
        long fresh = f.post("jobs", ALICE, 3600).get(0);
        ClaimView both = f.claim("jobs", 2, 60, 60);
        assertThat(both.messages()).extracting(MessageView::seq).containsExactly(spent, fresh);
        assertThat(f.run(new SlotCommand.ReleaseClaim(P, "jobs", both.claimSeq()))).isTrue();
        assertThat(f.sm.messageState(P, "jobs", spent)).isEqualTo(MessageState.MOVING);
        assertThat(f.sm.messageState(P, "jobs", fresh)).isEqualTo(MessageState.FREE);

        // With a delay, a claim whose messages are not all spent waits whole: the spent one moves
        // when a claim finds it over its limit, the other is claimed.
        long other = f.post("jobs", ALICE, 3600).get(0);
        ClaimView c = f.claim("jobs", 2, 60, 60);
        assertThat(c.messages()).extracting(MessageView::seq).containsExactly(fresh, other); // fresh's last attempt
        f.run(new SlotCommand.ReleaseClaims(P, "jobs", List.of(new SlotCommand.ReleaseClaims.Release(c.claimSeq(), 30_000, null, null))));
        assertThat(f.sm.messageState(P, "jobs", fresh)).isEqualTo(MessageState.DELAYED);
        assertThat(f.sm.messageState(P, "jobs", other)).isEqualTo(MessageState.DELAYED);
        f.advanceSeconds(31);
        assertThat(f.claim("jobs", 2, 60, 60).messages()).extracting(MessageView::seq).containsExactly(other);
        assertThat(f.sm.messageState(P, "jobs", fresh)).isEqualTo(MessageState.MOVING);
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aCopyDeliveredAgainAfterTheRequestWindowIsStillTakenOnceWhileItLives() {
        policy("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        f.post("jobs", ALICE, 86_400);
        claimAndFail();
        claimAndFail();
        mover(1, false); // copied, not yet deleted here (the mover died)
        f.advanceSeconds(3600); // long past the request-id window, but both messages still live
        mover(1, true);
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs-dlq")).total()).isEqualTo(1);
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs")).total()).isZero();
    }

    @Test
    void bothKeysAreNeededAndTheQueueKeepsItsOwnTtlByDefault() {
        policy("{\"_max_claim_count\":1}");
        f.post("jobs", ALICE, 3600);
        claimAndFail();
        assertThat(claimAndFail().messages()).hasSize(1); // no dead-letter queue: claimed again and again
        policy("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        assertThat(claimAndFail().messages()).isEmpty();
        mover(1, true);
        MessageView dead = f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true)).messages().get(0);
        assertThat(dead.ttlSeconds()).isGreaterThanOrEqualTo(3600);
    }

    @Test
    void otherMessagesAreClaimedPastOneThatMoves() {
        policy("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        List<Long> seqs = f.post("jobs", ALICE, 3600, 3600, 3600);
        f.claim("jobs", 1, 60, 60);
        f.advanceSeconds(61); // its lease runs out: free again, over its limit, until a claim finds it
        f.sm.advanceTo(f.now);
        assertThat(f.sm.messageState(P, "jobs", seqs.get(0))).isEqualTo(MessageState.FREE);
        ClaimView c = f.claim("jobs", 2, 60, 60);
        assertThat(c.messages()).extracting(MessageView::seq).containsExactly(seqs.get(1), seqs.get(2));
        assertThat(f.sm.messageState(P, "jobs", seqs.get(0))).isEqualTo(MessageState.MOVING);
    }

    @Test
    void redriveSendsMessagesBackWithTheirLedgerAndTheirClaimsCountAfresh() {
        policy("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        long original = f.post("jobs", ALICE, 3600).get(0);
        claimAndFail();
        claimAndFail();
        mover(1, true);
        f.createQueue("other");
        long direct = f.post("jobs-dlq", ALICE, 3600).get(0); // posted to the dead-letter queue directly: not redriven

        Views.RedriveResult r = f.run(new SlotCommand.Redrive(P, "jobs-dlq", new long[0], 10));
        assertThat(r.started()).isEqualTo(1);
        List<MoveBatch> back = mover(2, true);
        assertThat(back).hasSize(1);
        assertThat(back.get(0).move()).isEqualTo(new Move("jobs", 0, true));
        assertThat(f.sm.counters().messagesRedriven).isEqualTo(1);
        assertThat(f.run(new SlotCommand.GetStats(P, "jobs-dlq")).total()).isEqualTo(1);
        assertThat(f.sm.messageState(P, "jobs-dlq", direct)).isEqualTo(MessageState.FREE);

        // Back in its queue with its original TTL and its whole ledger, and one more claim allowed.
        ClaimView again = f.claim("jobs", 1, 60, 60);
        assertThat(again.messages()).hasSize(1);
        MessageView m = again.messages().get(0);
        assertThat(m.seq()).isNotEqualTo(original);
        assertThat(m.ttlSeconds()).isGreaterThanOrEqualTo(3600);
        assertThat(m.attempts()).isEqualTo(2);
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void redriveBySelectedIdsTakesOnlyThose() {
        policy("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        f.post("jobs", ALICE, 3600, 3600);
        for (int i = 0; i < 4; i++) {
            ClaimView c = f.claim("jobs", 2, 60, 60);
            if (c.claimSeq() != 0) {
                f.run(new SlotCommand.ReleaseClaim(P, "jobs", c.claimSeq()));
            }
        }
        mover(1, true);
        List<MessageView> dead = f.run(new SlotCommand.ListMessages(P, "jobs-dlq", ALICE, -1, 20, true, true)).messages();
        assertThat(dead).hasSize(2);
        Views.RedriveResult r = f.run(new SlotCommand.Redrive(P, "jobs-dlq", new long[] {dead.get(1).seq(), 999_999}, 10));
        assertThat(r.started()).isEqualTo(1);
        assertThat(f.sm.messageState(P, "jobs-dlq", dead.get(0).seq())).isEqualTo(MessageState.FREE);
        assertThat(f.sm.messageState(P, "jobs-dlq", dead.get(1).seq())).isEqualTo(MessageState.MOVING);
    }

    @Test
    void aJobThatKeepsCrashingItsWorkerIsDeadLetteredEarly() {
        policy("{\"_max_claim_count\":10,\"_max_silent_lease_expiries\":2,\"_dead_letter_queue\":\"jobs-dlq\"}");
        long crasher = f.post("jobs", ALICE, 3600).get(0);
        long slow = f.post("jobs", ALICE, 3600).get(0);
        // The crasher's worker dies before any heartbeat, twice; the slow job's worker extends, then runs out.
        for (int round = 0; round < 2; round++) {
            ClaimView c = f.claim("jobs", 2, 60, 60);
            assertThat(c.messages()).hasSize(2);
            f.advanceSeconds(30);
            ClaimView renewedOnly = f.claim("jobs", 1, 60, 60); // nothing free: both held
            assertThat(renewedOnly.messages()).isEmpty();
            f.advanceSeconds(31);
        }
        // Both leases ran out silently twice (the claim held both): both go early, long before 10 claims.
        assertThat(f.claim("jobs", 2, 60, 60).messages()).isEmpty();
        assertThat(f.sm.messageState(P, "jobs", crasher)).isEqualTo(MessageState.MOVING);
        assertThat(f.sm.messageState(P, "jobs", slow)).isEqualTo(MessageState.MOVING);
        assertThat(SlotFixture.snapshot(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits())))
                .isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void leasesThatRanOutAfterExtensionsDoNotCountAsSilent() {
        policy("{\"_max_silent_lease_expiries\":1,\"_dead_letter_queue\":\"jobs-dlq\"}");
        long seq = f.post("jobs", ALICE, 3600).get(0);
        for (int round = 0; round < 3; round++) {
            ClaimView c = f.claim("jobs", 1, 60, 60);
            assertThat(c.messages()).extracting(MessageView::seq).containsExactly(seq);
            f.advanceSeconds(30);
            f.run(new SlotCommand.UpdateClaim(P, "jobs", c.claimSeq(), 60, 60)); // a heartbeat: alive, just slow
            f.advanceSeconds(61);
        }
        f.sm.advanceTo(f.now);
        assertThat(f.sm.messageState(P, "jobs", seq)).isEqualTo(MessageState.FREE);
        assertThat(f.claim("jobs", 1, 60, 60).messages()).as("still claimable after three slow attempts").hasSize(1);
    }

    @Test
    void badPoliciesAreRefusedAndChangeNothing() {
        for (String bad : List.of("{\"_max_claim_count\":0}", "{\"_max_claim_count\":\"3\"}", "{\"_dead_letter_queue\":5}",
                "{\"_dead_letter_queue\":\"no spaces\"}", "{\"_dead_letter_queue\":\"jobs\"}",
                "{\"_dead_letter_queue_messages_ttl\":10}", "{\"_max_silent_lease_expiries\":0}")) {
            try {
                f.run(new SlotCommand.SetMetadata(P, "jobs", bad.getBytes(StandardCharsets.UTF_8)));
                throw new AssertionError("accepted " + bad);
            } catch (SlotException e) {
                assertThat(e.code()).as(bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            }
        }
        assertThat(new String(f.run(new SlotCommand.GetMetadata(P, "jobs")), StandardCharsets.UTF_8)).isEqualTo("{}");
    }

    @Test
    void aSnapshotsLedgerOrOriginForAMessageItDoesNotHoldFailsTheRestoreLoudly() {
        // A snapshot writes a message's notes with the message: notes for one it does not hold mean
        // a damaged snapshot, which must not restore into a slot whose notes and messages disagree.
        QueueState q = f.sm.newQueue(P, "restored");
        assertThatThrownBy(() -> q.restoreLedger(42, 1, 1, 0, new Attempt[0]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("message 42");
        assertThatThrownBy(() -> q.restoreOrigin(42, new Origin(3, "jobs", 7, 0, 60)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("message 42");
    }
}
