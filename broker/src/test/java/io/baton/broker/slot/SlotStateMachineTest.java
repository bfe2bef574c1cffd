package io.baton.broker.slot;

import static io.baton.broker.slot.SlotFixture.ALICE;
import static io.baton.broker.slot.SlotFixture.BOB;
import static io.baton.broker.slot.SlotFixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessagePage;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.QueueStats;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The v1 semantics of one slot, rule by rule (spec sections 2 and 3). */
class SlotStateMachineTest {
    private SlotFixture f;

    @BeforeEach
    void setUp() {
        f = new SlotFixture();
        f.createQueue("q");
    }

    private static ErrorCode refusal(Runnable r) {
        try {
            r.run();
        } catch (SlotException e) {
            return e.code();
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void creatingAQueueTwiceIsIdempotent() {
        assertThat(f.run(new SlotCommand.CreateQueue(P, "q"))).isFalse();
        assertThat(f.run(new SlotCommand.CreateQueue(P, "other"))).isTrue();
        assertThat(f.run(new SlotCommand.QueueExists(P, "other"))).isTrue();
        assertThat(f.run(new SlotCommand.QueueExists("another-project", "other"))).isFalse();
    }

    @Test
    void invalidQueueNamesAreRefusedAndChangeNothing() {
        for (String bad : List.of("", "a.b", "ü", "x".repeat(65), "with space")) {
            assertThat(refusal(() -> f.run(new SlotCommand.CreateQueue(P, bad)))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(f.log).hasSize(1);
    }

    @Test
    void postingToAMissingQueueIsNotFoundAndNeverCreatesIt() {
        assertThat(refusal(() -> f.post("missing", ALICE, 60))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(f.run(new SlotCommand.QueueExists(P, "missing"))).isFalse();
    }

    @Test
    void outOfRangeTtlsAndBatchSizesAreRefusedAndChangeNothing() {
        assertThat(refusal(() -> f.post("q", ALICE, 59))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.post("q", ALICE, 1_209_601))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.post("q", ALICE, new int[21]))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.post("q", ALICE))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.claim("q", 0, 60, 60))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.claim("q", 21, 60, 60))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.claim("q", 1, 59, 60))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.claim("q", 1, 60, 43_201))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(f.log).hasSize(1);
    }

    @Test
    void aMessageClaimedAgainAfterItsLeaseLapsedCountsAsARedeliveryButNotAfterARelease() {
        f.post("q", ALICE, 300, 300);
        ClaimView first = f.claim("q", 1, 60, 60);
        f.advanceSeconds(61);
        f.claim("q", 1, 60, 60); // takes the same message back: its lease lapsed
        assertThat(f.sm.counters().messagesRedelivered).isEqualTo(1);
        ClaimView second = f.claim("q", 1, 60, 60);
        f.run(new SlotCommand.ReleaseClaim(P, "q", second.claimSeq()));
        f.claim("q", 1, 60, 60); // given back on purpose: not a redelivery
        assertThat(f.sm.counters().messagesRedelivered).isEqualTo(1);
        assertThat(first.messages()).hasSize(1);
    }

    @Test
    void claimTakesTheOldestFreeMessagesFirst() {
        List<Long> ids = f.post("q", ALICE, 300, 300, 300, 300);
        ClaimView first = f.claim("q", 2, 60, 60);
        ClaimView second = f.claim("q", 5, 60, 60);
        assertThat(first.messages()).extracting(MessageView::seq).containsExactly(ids.get(0), ids.get(1));
        assertThat(second.messages()).extracting(MessageView::seq).containsExactly(ids.get(2), ids.get(3));
    }

    @Test
    void claimedMessageIsInvisibleToSecondClaim() {
        f.post("q", ALICE, 300);
        assertThat(f.claim("q", 10, 60, 60).messages()).hasSize(1);
        ClaimView nothing = f.claim("q", 10, 60, 60);
        assertThat(nothing.claimSeq()).isZero();
        assertThat(nothing.messages()).isEmpty();
    }

    @Test
    void claimOnAMissingQueueClaimsNothing() {
        assertThat(f.claim("missing", 10, 60, 60).messages()).isEmpty();
    }

    @Test
    void expiredClaimMakesItsMessagesClaimableAgain() {
        List<Long> ids = f.post("q", ALICE, 600);
        f.claim("q", 10, 60, 60);
        f.advanceSeconds(59);
        assertThat(f.claim("q", 10, 60, 60).messages()).isEmpty();
        f.advanceSeconds(2);
        assertThat(f.claim("q", 10, 60, 60).messages()).extracting(MessageView::seq).containsExactly(ids.get(0));
    }

    @Test
    void returnedMessagesAreClaimedBeforeNewerOnes() {
        List<Long> ids = f.post("q", ALICE, 600, 600);
        ClaimView c = f.claim("q", 1, 60, 60);
        f.run(new SlotCommand.ReleaseClaim(P, "q", c.claimSeq()));
        assertThat(f.claim("q", 2, 60, 60).messages()).extracting(MessageView::seq).containsExactly(ids.get(0), ids.get(1));
    }

    @Test
    void releasedClaimFreesItsMessagesAtOnceButKeepsTheirExtendedTtl() {
        f.post("q", ALICE, 60);
        ClaimView c = f.claim("q", 1, 120, 60);
        assertThat(f.run(new SlotCommand.ReleaseClaim(P, "q", c.claimSeq()))).isTrue();
        ClaimView again = f.claim("q", 1, 60, 60);
        assertThat(again.messages()).singleElement().extracting(MessageView::ttlSeconds).isEqualTo(180);
        assertThat(f.run(new SlotCommand.ReleaseClaim(P, "q", c.claimSeq()))).isFalse();
    }

    @Test
    void graceExtendsShortLivedMessagesAsInTheTutorial() {
        f.post("q", ALICE, 300, 60);
        ClaimView c = f.claim("q", 2, 60, 60);
        assertThat(c.messages()).extracting(MessageView::ttlSeconds).containsExactly(300, 120);
        // The extended message now lives past its own ttl: at 100 s it is still there.
        f.advanceSeconds(100);
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", c.messages().get(1).seq())).ageSeconds()).isEqualTo(100);
    }

    @Test
    void renewingAClaimAppliesItsGraceAgainAndRestartsItsAge() {
        List<Long> ids = f.post("q", ALICE, 60, 600);
        ClaimView c = f.claim("q", 2, 120, 60);
        assertThat(c.messages()).extracting(MessageView::ttlSeconds).containsExactly(180, 600);
        f.advanceSeconds(30);
        f.run(new SlotCommand.UpdateClaim(P, "q", c.claimSeq(), 300, 0));
        ClaimView got = f.run(new SlotCommand.GetClaim(P, "q", c.claimSeq()));
        assertThat(got.ttlSeconds()).isEqualTo(300);
        assertThat(got.ageSeconds()).isZero();
        assertThat(got.messages()).extracting(MessageView::seq).containsExactly(ids.get(0), ids.get(1));
        assertThat(got.messages()).extracting(MessageView::ttlSeconds).containsExactly(300, 600);
        // The renewed claim outlives its first ttl.
        f.advanceSeconds(200);
        assertThat(f.claim("q", 10, 60, 60).messages()).isEmpty();
    }

    @Test
    void expiredOrUnknownClaimsAreNotFound() {
        f.post("q", ALICE, 600);
        ClaimView c = f.claim("q", 1, 60, 60);
        f.advanceSeconds(61);
        assertThat(refusal(() -> f.run(new SlotCommand.GetClaim(P, "q", c.claimSeq())))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> f.run(new SlotCommand.UpdateClaim(P, "q", c.claimSeq(), 60, 0)))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> f.run(new SlotCommand.GetClaim(P, "q", 12345)))).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void deletingAClaimedMessageNeedsItsClaim() {
        List<Long> ids = f.post("q", ALICE, 600);
        ClaimView c = f.claim("q", 1, 60, 60);
        long id = ids.get(0);
        assertThat(refusal(() -> f.run(new SlotCommand.DeleteMessage(P, "q", id, 0)))).isEqualTo(ErrorCode.CLAIM_CONFLICT);
        assertThat(f.run(new SlotCommand.DeleteMessage(P, "q", id, c.claimSeq()))).isTrue();
        assertThat(refusal(() -> f.run(new SlotCommand.GetMessage(P, "q", id)))).isEqualTo(ErrorCode.NOT_FOUND);
        // Idempotent.
        assertThat(f.run(new SlotCommand.DeleteMessage(P, "q", id, c.claimSeq()))).isFalse();
    }

    @Test
    void anotherValidClaimsIdCannotDeleteTheMessage() {
        List<Long> ids = f.post("q", ALICE, 600, 600);
        ClaimView a = f.claim("q", 1, 60, 60);
        ClaimView b = f.claim("q", 1, 60, 60);
        assertThat(refusal(() -> f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(0), b.claimSeq()))))
                .isEqualTo(ErrorCode.CLAIM_CONFLICT);
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", ids.get(0))).claimSeq()).isEqualTo(a.claimSeq());
    }

    @Test
    void aReleasedClaimsIdCannotDeleteTheMessage() {
        List<Long> ids = f.post("q", ALICE, 600);
        ClaimView c = f.claim("q", 1, 60, 60);
        f.run(new SlotCommand.ReleaseClaim(P, "q", c.claimSeq()));
        assertThat(refusal(() -> f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(0), c.claimSeq()))))
                .isEqualTo(ErrorCode.CLAIM_NOT_HELD);
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", ids.get(0)))).isNotNull();
    }

    @Test
    void anExpiredClaimsIdStillDeletesIfNobodyReclaimed() {
        List<Long> ids = f.post("q", ALICE, 600);
        ClaimView c = f.claim("q", 1, 60, 60);
        f.advanceSeconds(61);
        assertThat(f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(0), c.claimSeq()))).isTrue();
    }

    @Test
    void aMalformedOrNeverIssuedClaimIdIsRefusedAndDeletesNothing() {
        List<Long> ids = f.post("q", ALICE, 600);
        assertThat(refusal(() -> f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(0), SlotCommand.DeleteMessage.BAD_CLAIM))))
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(0), 1_000_000))))
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", ids.get(0)))).isNotNull();
    }

    @Test
    void claimEachGivesEveryMessageAClaimOfItsOwnOldestFirst() {
        List<Long> ids = f.post("q", ALICE, 600, 600, 600, 600, 600);
        List<ClaimView> first = f.run(new SlotCommand.ClaimEach(P, "q", 3, 60, 60));
        assertThat(first).hasSize(3).allSatisfy(c -> assertThat(c.messages()).hasSize(1));
        assertThat(first.stream().map(c -> c.messages().get(0).seq()).toList()).containsExactly(ids.get(0), ids.get(1), ids.get(2));
        assertThat(first.stream().map(ClaimView::claimSeq).distinct()).hasSize(3);
        assertThat(f.run(new SlotCommand.ClaimEach(P, "q", 10, 60, 60))).hasSize(2);
        assertThat(f.run(new SlotCommand.ClaimEach(P, "q", 10, 60, 60))).isEmpty();
        // Each job has its own lease: releasing one frees only its message.
        f.run(new SlotCommand.ReleaseClaim(P, "q", first.get(1).claimSeq()));
        List<ClaimView> again = f.run(new SlotCommand.ClaimEach(P, "q", 10, 60, 60));
        assertThat(again).singleElement().satisfies(c -> assertThat(c.messages().get(0).seq()).isEqualTo(ids.get(1)));
        assertThat(f.replayed().heldBy(P, "q", first.get(0).claimSeq())).containsExactly(ids.get(0));
    }

    @Test
    void aClaimThatEndsTakesItsExpiryWithIt() {
        List<Long> ids = f.post("q", ALICE, 600, 600);
        long ackedExpires = f.now + 60_000;
        ClaimView acked = f.run(new SlotCommand.ClaimEach(P, "q", 1, 60, 60)).get(0);
        f.now += 1_000;
        long laterExpires = f.now + 120_000;
        ClaimView later = f.run(new SlotCommand.ClaimEach(P, "q", 1, 120, 60)).get(0);
        assertThat(f.sm.nextClaimExpiry(P, "q")).isEqualTo(ackedExpires);
        f.run(new SlotCommand.AckMessages(P, "q", new long[] {ids.get(0)}, new long[] {acked.claimSeq()}));
        // Only the claim still held can free a message: a waiting worker is woken for it, not for the ended one.
        assertThat(f.sm.nextClaimExpiry(P, "q")).isEqualTo(laterExpires);
        f.run(new SlotCommand.ReleaseClaim(P, "q", later.claimSeq()));
        assertThat(f.sm.nextClaimExpiry(P, "q")).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void claimEachRefusesOutOfRangeCountsAndLeasesAndChangesNothing() {
        f.post("q", ALICE, 600);
        assertThat(refusal(() -> f.run(new SlotCommand.ClaimEach(P, "q", 0, 60, 60)))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.run(new SlotCommand.ClaimEach(P, "q", 1_001, 60, 60)))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.run(new SlotCommand.ClaimEach(P, "q", 1, 59, 60)))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).claimed()).isZero();
    }

    @Test
    void acksDeleteWhatTheirClaimsHoldAndRefuseOnlyTheLeasesThatWereLost() {
        List<Long> ids = f.post("q", ALICE, 600, 600, 600);
        List<ClaimView> jobs = f.run(new SlotCommand.ClaimEach(P, "q", 3, 60, 60));
        f.run(new SlotCommand.DeleteMessage(P, "q", ids.get(2), jobs.get(2).claimSeq()));
        f.run(new SlotCommand.ReleaseClaim(P, "q", jobs.get(1).claimSeq()));
        ClaimView other = f.claim("q", 1, 60, 60); // took message 1 after its release
        SlotCommand.AckResult r = f.run(new SlotCommand.AckMessages(P, "q",
                new long[] {ids.get(0), ids.get(1), ids.get(2)},
                new long[] {jobs.get(0).claimSeq(), jobs.get(1).claimSeq(), jobs.get(2).claimSeq()}));
        assertThat(r).isEqualTo(new SlotCommand.AckResult(2, 1)); // message 2 was already gone: acknowledged
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isOne();
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", ids.get(1))).claimSeq()).isEqualTo(other.claimSeq());
    }

    @Test
    void anAckUnderAnExpiredLeaseStillDeletesIfNobodyReclaimed() {
        List<Long> ids = f.post("q", ALICE, 600);
        List<ClaimView> jobs = f.run(new SlotCommand.ClaimEach(P, "q", 1, 60, 60));
        f.advanceSeconds(61);
        assertThat(f.run(new SlotCommand.AckMessages(P, "q", new long[] {ids.get(0)}, new long[] {jobs.get(0).claimSeq()})))
                .isEqualTo(new SlotCommand.AckResult(1, 0));
        assertThat(f.replayed().messageState(P, "q", ids.get(0))).isNull();
    }

    @Test
    void aMessageAckedTwiceInOneBatchIsDeletedOnce() {
        f.post("q", ALICE, 600, 600);
        List<ClaimView> jobs = f.run(new SlotCommand.ClaimEach(P, "q", 2, 60, 60));
        long seq = jobs.get(0).messages().get(0).seq();
        long claim = jobs.get(0).claimSeq();
        assertThat(f.run(new SlotCommand.AckMessages(P, "q", new long[] {seq, seq}, new long[] {claim, claim})))
                .isEqualTo(new SlotCommand.AckResult(2, 0));
        assertThat(f.sm.counters().messagesDeleted).isOne();
        assertThat(f.replayed().counters().messagesDeleted).isOne();
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isOne();
    }

    @Test
    void malformedAckBatchesAreRefusedAndDeleteNothing() {
        List<Long> ids = f.post("q", ALICE, 600);
        List<ClaimView> jobs = f.run(new SlotCommand.ClaimEach(P, "q", 1, 60, 60));
        assertThat(refusal(() -> f.run(new SlotCommand.AckMessages(P, "q", new long[0], new long[0]))))
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.run(new SlotCommand.AckMessages(P, "q", new long[] {ids.get(0)}, new long[0]))))
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(f.run(new SlotCommand.AckMessages(P, "q", new long[] {ids.get(0)}, new long[] {-1})))
                .isEqualTo(new SlotCommand.AckResult(0, 1));
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", ids.get(0))).claimSeq()).isEqualTo(jobs.get(0).claimSeq());
    }

    @Test
    void bulkDeleteIgnoresClaims() {
        List<Long> ids = f.post("q", ALICE, 600, 600);
        f.claim("q", 1, 60, 60);
        assertThat(f.run(new SlotCommand.DeleteMessages(P, "q", new long[] {ids.get(0), ids.get(1), 999, -1}))).isEqualTo(2);
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isZero();
    }

    @Test
    void expiredMessagesAreNeverListedCountedOrClaimed() {
        f.post("q", ALICE, 60);
        f.advanceSeconds(60);
        assertThat(f.claim("q", 10, 60, 60).messages()).isEmpty();
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isZero();
        MessagePage page = f.run(new SlotCommand.ListMessages(P, "q", BOB, -1, 10, true, true));
        assertThat(page.messages()).isEmpty();
    }

    @Test
    void listingHidesOwnAndClaimedMessagesUnlessAsked() {
        List<Long> mine = f.post("q", ALICE, 600, 600);
        List<Long> theirs = f.post("q", BOB, 600);
        f.claim("q", 1, 60, 60); // claims mine[0]
        assertThat(list(ALICE, false, false)).containsExactly(theirs.get(0));
        assertThat(list(ALICE, true, false)).containsExactly(mine.get(1), theirs.get(0));
        assertThat(list(ALICE, false, true)).containsExactly(theirs.get(0));
        assertThat(list(ALICE, true, true)).containsExactly(mine.get(0), mine.get(1), theirs.get(0));
    }

    private List<Long> list(java.util.UUID client, boolean echo, boolean includeClaimed) {
        return f.run(new SlotCommand.ListMessages(P, "q", client, -1, 10, echo, includeClaimed)).messages().stream()
                .map(MessageView::seq).toList();
    }

    @Test
    void pagingFollowsMarkersAndIsStableUnderNewPosts() {
        List<Long> ids = f.post("q", ALICE, 600, 600, 600);
        MessagePage first = f.run(new SlotCommand.ListMessages(P, "q", BOB, -1, 2, false, false));
        assertThat(first.messages()).extracting(MessageView::seq).containsExactly(ids.get(0), ids.get(1));
        List<Long> later = f.post("q", ALICE, 600);
        MessagePage second = f.run(new SlotCommand.ListMessages(P, "q", BOB, first.nextMarker(), 2, false, false));
        assertThat(second.messages()).extracting(MessageView::seq).containsExactly(ids.get(2), later.get(0));
        MessagePage end = f.run(new SlotCommand.ListMessages(P, "q", BOB, second.nextMarker(), 2, false, false));
        assertThat(end.messages()).isEmpty();
    }

    @Test
    void statsCountClaimedInTotalAndOmitOldestForAnEmptyQueue() {
        QueueStats empty = f.run(new SlotCommand.GetStats(P, "q"));
        assertThat(empty.total()).isZero();
        assertThat(empty.oldest()).isNull();
        List<Long> ids = f.post("q", ALICE, 600, 600, 600);
        f.claim("q", 1, 60, 60);
        f.advanceSeconds(5);
        QueueStats s = f.run(new SlotCommand.GetStats(P, "q"));
        assertThat(s.claimed()).isEqualTo(1);
        assertThat(s.free()).isEqualTo(2);
        assertThat(s.total()).isEqualTo(3);
        assertThat(s.oldest().seq()).isEqualTo(ids.get(0));
        assertThat(s.newest().seq()).isEqualTo(ids.get(2));
        assertThat(s.oldest().ageSeconds()).isEqualTo(5);
        assertThatThrownBy(() -> f.run(new SlotCommand.GetStats(P, "missing"))).isInstanceOf(SlotException.class);
    }

    @Test
    void aRetriedPublishWithTheSameRequestIdIsStoredOnce() {
        List<NewMessage> batch = List.of(new NewMessage(600, "1".getBytes(StandardCharsets.UTF_8)));
        Views.PublishResult first = f.run(new SlotCommand.Publish(P, "q", ALICE, "req-1", batch));
        Views.PublishResult retry = f.run(new SlotCommand.Publish(P, "q", ALICE, "req-1", batch));
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.seqs()).isEqualTo(first.seqs());
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isEqualTo(1);
        // After replay the slot still remembers the request id.
        SlotStateMachine replayed = f.replayed();
        Decision<Views.PublishResult> again = new SlotCommand.Publish(P, "q", ALICE, "req-1", batch).decide(replayed, f.now);
        assertThat(again.records()).isEmpty();
    }

    @Test
    void oneProjectsPublishesCannotPushAnothersRequestIdsOutOfTheWindow() {
        SlotFixture small = new SlotFixture(SlotLimits.v1().withRequestIdWindow(60_000, 50));
        small.createQueue("q");
        small.run(new SlotCommand.CreateQueue("flooder", "q"));
        List<NewMessage> one = List.of(new NewMessage(600, "1".getBytes(StandardCharsets.UTF_8)));
        Views.PublishResult mine = small.run(new SlotCommand.Publish(P, "q", ALICE, "mine", one));
        for (int i = 0; i < 500; i++) {
            small.run(new SlotCommand.Publish("flooder", "q", BOB, "flood-" + i, one));
        }
        Views.PublishResult retry = small.run(new SlotCommand.Publish(P, "q", ALICE, "mine", one));
        assertThat(retry.duplicate()).as("the retry is still recognised").isTrue();
        assertThat(retry.seqs()).isEqualTo(mine.seqs());
        // The flooder's own oldest ids left its window: its cap is its own.
        assertThat(small.run(new SlotCommand.Publish("flooder", "q", BOB, "flood-0", one)).duplicate()).isFalse();
        assertThat(small.run(new SlotCommand.Publish("flooder", "q", BOB, "flood-499", one)).duplicate()).isTrue();
        // The windows survive a snapshot and its restore, project by project.
        SlotStateMachine restored = SlotFixture.restore(SlotFixture.snapshot(small.sm), small.sm.limits());
        assertThat(new SlotCommand.Publish(P, "q", ALICE, "mine", one).decide(restored, small.now).records()).isEmpty();
        assertThat(restored.requestIds().windows()).isEqualTo(2);
        // A project that stops publishing gives its window back once its entries expire.
        small.now += 61_000;
        small.run(new SlotCommand.Publish("flooder", "q", BOB, "later-1", one));
        small.run(new SlotCommand.Publish("flooder", "q", BOB, "later-2", one));
        assertThat(small.sm.requestIds().windows()).isEqualTo(1);
    }

    @Test
    void deletingAQueueDeletesItsMessagesAndIdsAreNeverReused() {
        List<Long> ids = f.post("q", ALICE, 600);
        assertThat(f.run(new SlotCommand.DeleteQueue(P, "q"))).isTrue();
        f.createQueue("q");
        List<Long> newer = f.post("q", ALICE, 600);
        assertThat(newer.get(0)).isGreaterThan(ids.get(0));
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isEqualTo(1);
    }

    @Test
    void projectsNeverSeeEachOthersQueues() {
        List<Long> ids = f.post("q", ALICE, 600);
        assertThat(refusal(() -> f.run(new SlotCommand.GetMessage("intruder", "q", ids.get(0))))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(f.run(new SlotCommand.DeleteMessages("intruder", "q", new long[] {ids.get(0)}))).isZero();
        assertThat(f.run(new SlotCommand.CreateClaim("intruder", "q", 10, 60, 60)).messages()).isEmpty();
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isEqualTo(1);
    }

    @Test
    void metadataIsReplacedWholeAndSizeChecked() {
        f.run(new SlotCommand.SetMetadata(P, "q", "{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(f.run(new SlotCommand.GetMetadata(P, "q")), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(refusal(() -> f.run(new SlotCommand.SetMetadata(P, "q", new byte[65_537])))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.run(new SlotCommand.SetMetadata(P, "nope", "{}".getBytes(StandardCharsets.UTF_8)))))
                .isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void queuesAreListedInNameOrderAfterTheMarker() {
        f.createQueue("b");
        f.createQueue("a");
        assertThat(f.run(new SlotCommand.ListQueues(P, null, 2, false))).extracting(Views.QueueListing::name).containsExactly("a", "b");
        assertThat(f.run(new SlotCommand.ListQueues(P, "b", 10, true))).extracting(Views.QueueListing::name).containsExactly("q");
    }

    @Test
    void aCapturedSnapshotKeepsItsBodiesAfterTheMessagesAreDeleted() throws Exception {
        // Bodies over an eighth of a first chunk: each gets an array of its own, dropped at its death.
        List<NewMessage> big = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            big.add(new NewMessage(600, ("\"" + String.valueOf((char) ('a' + i)).repeat(1000) + "\"").getBytes(StandardCharsets.UTF_8)));
        }
        List<Long> seqs = f.run(new SlotCommand.Publish(P, "q", ALICE, null, big)).seqs();
        byte[] expected = SlotFixture.snapshot(f.sm);
        // Captured on the slot thread, written later by a checkpoint writer: meanwhile every
        // message dies. The image still reports the bodies it refers to as live.
        SlotSnapshot.Image image = SlotSnapshot.capture(f.sm);
        f.run(new SlotCommand.DeleteMessages(P, "q", seqs.stream().mapToLong(Long::longValue).toArray()));
        f.post("q", BOB, 600);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        List<long[]> live = new java.util.ArrayList<>();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            image.writeTo(out, (address, length) -> live.add(new long[] {address, length}));
        }
        assertThat(bytes.toByteArray()).isEqualTo(expected);
        assertThat(live).hasSize(seqs.size()).allSatisfy(r -> assertThat(r[1]).isEqualTo(1002 + RecordCodec.BODY_CHECK));
    }

    @Test
    void aSnapshotRestoresTheSameStateAsReplay() {
        f.post("q", ALICE, 600, 60, 600);
        ClaimView c = f.claim("q", 2, 60, 60);
        f.run(new SlotCommand.DeleteMessage(P, "q", c.messages().get(0).seq(), c.claimSeq()));
        byte[] snap = SlotFixture.snapshot(f.sm);
        assertThat(SlotFixture.snapshot(SlotFixture.restore(snap, f.sm.limits()))).isEqualTo(snap);
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(snap);
    }

    @Test
    void aSnapshotOfTheFullWidthFormatRestoresTheSameState() throws Exception {
        // Brokers of the previous release wrote every message field at full width ("BSN3"); a
        // broker of this one reads them, and writes about a quarter of the bytes for the same state.
        f.post("q", ALICE, 600, 60, 600);
        f.post("q", BOB, 600, 3600);
        f.createQueue("other");
        f.post("other", BOB, 60);
        ClaimView c = f.claim("q", 2, 60, 60);
        f.run(new SlotCommand.DeleteMessage(P, "q", c.messages().get(0).seq(), c.claimSeq()));
        byte[] current = SlotFixture.snapshot(f.sm);
        byte[] fullWidth = fullWidthSnapshot(f.sm);
        assertThat(SlotFixture.snapshot(SlotFixture.restore(fullWidth, f.sm.limits()))).isEqualTo(current);
        for (int i = 0; i < 50; i++) {
            f.post("q", ALICE, 600, 600, 600, 600, 600, 600, 600, 600, 600, 600);
        }
        assertThat(SlotFixture.snapshot(f.sm).length * 3).isLessThan(fullWidthSnapshot(f.sm).length);
    }

    /** The state as a "BSN3" snapshot: the layout before messages were written as differences. */
    private static byte[] fullWidthSnapshot(SlotStateMachine sm) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeInt(0x42534e33);
        out.writeInt(sm.slot());
        out.writeLong(sm.nextSeq());
        out.writeLong(sm.time());
        out.writeInt(sm.requestIds().size());
        sm.requestIds().forEach((hi, lo, t, firstSeq, count) -> {
            out.writeLong(hi);
            out.writeLong(lo);
            out.writeLong(t);
            out.writeLong(firstSeq);
            out.writeInt(count);
        });
        int queues = 0;
        for (var byName : sm.projects().values()) {
            queues += byName.size();
        }
        out.writeInt(queues);
        for (var byName : sm.projects().values()) {
            for (QueueState q : byName.values()) {
                MessageTable m = q.messages;
                out.writeUTF(q.project);
                out.writeUTF(q.name);
                RecordCodec.writeBytes(out, q.metadata());
                out.writeInt(m.live());
                long cursor = -1;
                for (long i = m.first(); i != m.end(); i = m.next(i)) {
                    if (!m.isLive(i)) {
                        continue;
                    }
                    if (cursor < 0 && m.seq(i) >= q.cursor()) {
                        cursor = m.seq(i);
                    }
                    out.writeLong(m.seq(i));
                    out.writeLong(m.postedAt(i));
                    out.writeLong(m.expiresAt(i));
                    out.writeInt(m.ttl(i));
                    out.writeLong(clientHi(m, i));
                    out.writeLong(clientLo(m, i));
                    out.writeLong(m.claim(i));
                    out.writeLong(m.bodyAddr(i));
                    out.writeInt(m.length(i) | (m.checked(i) ? 0 : MessageBlock.UNCHECKED));
                }
                out.writeLong(cursor);
                java.util.List<Claim> claims = q.claims.sorted();
                out.writeInt(claims.size());
                for (Claim claim : claims) {
                    out.writeLong(claim.seq);
                    out.writeLong(claim.renewedAt);
                    out.writeInt(claim.ttlSeconds);
                    out.writeInt(claim.held);
                    RecordCodec.writeLongs(out, claim.messages);
                }
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static long clientHi(MessageTable m, long i) {
        return m.sameClient(i, ALICE.getMostSignificantBits(), ALICE.getLeastSignificantBits())
                ? ALICE.getMostSignificantBits() : BOB.getMostSignificantBits();
    }

    private static long clientLo(MessageTable m, long i) {
        return m.sameClient(i, ALICE.getMostSignificantBits(), ALICE.getLeastSignificantBits())
                ? ALICE.getLeastSignificantBits() : BOB.getLeastSignificantBits();
    }

    @Test
    void aMillionWaitingMessagesDoNotSlowAClaimDown() {
        // Not a timing assertion: checks that claiming touches only the oldest messages, by claiming
        // them all in order and checking FIFO at the end of a large backlog.
        List<NewMessage> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(new NewMessage(600, "0".getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < 5_000; i++) {
            f.run(new SlotCommand.Publish(P, "q", ALICE, null, batch));
        }
        long expected = -1;
        for (int i = 0; i < 5_000; i++) {
            ClaimView c = f.claim("q", 20, 60, 60);
            for (MessageView m : c.messages()) {
                assertThat(m.seq()).isGreaterThan(expected);
                expected = m.seq();
            }
            f.run(new SlotCommand.DeleteMessages(P, "q", c.messages().stream().mapToLong(MessageView::seq).toArray()));
        }
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isZero();
    }

    @Test
    void theSnapshotSizeEstimateCountsTheRequestIdWindowOfADrainedQueue() {
        // The checkpoint policy compares the log's growth with this estimate: leaving out the
        // request-id window made a drained slot write a multi-megabyte snapshot every megabyte.
        List<NewMessage> one = List.of(new NewMessage(600, "{}".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 5_000; i++) {
            long seq = f.run(new SlotCommand.Publish(P, "q", ALICE, java.util.UUID.randomUUID().toString(), one)).seqs().get(0);
            f.run(new SlotCommand.DeleteMessages(P, "q", new long[] {seq}));
        }
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isZero();
        int snapshot = SlotFixture.snapshot(f.sm).length;
        assertThat(snapshot).isGreaterThan(5_000 * 36);
        assertThat(f.sm.liveBytesEstimate()).isBetween((long) snapshot * 9 / 10, (long) snapshot * 2);
    }

    @Test
    void aQueueQuotaRefusesAWholePostThatWouldPassItAndChangesNothing() {
        SlotFixture quota = new SlotFixture(SlotLimits.v1().withQueueQuota(3, 1_000));
        quota.createQueue("q");
        quota.createQueue("other");
        quota.post("q", ALICE, 60, 60);
        int records = quota.log.size();
        assertThat(refusal(() -> quota.post("q", ALICE, 60, 60))).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        assertThat(quota.log).hasSize(records);
        assertThat(quota.run(new SlotCommand.GetStats(P, "q")).total()).isEqualTo(2);
        quota.post("q", ALICE, 60); // exactly at the quota
        quota.post("other", ALICE, 60, 60, 60); // per queue
        // Draining makes room again.
        ClaimView c = quota.claim("q", 1, 60, 60);
        quota.run(new SlotCommand.DeleteMessage(P, "q", c.messages().get(0).seq(), c.claimSeq()));
        quota.post("q", ALICE, 60);
        // Bytes count too.
        quota.createQueue("big");
        java.util.List<NewMessage> large = java.util.List.of(new NewMessage(60, ("\"" + "x".repeat(998) + "\"").getBytes(StandardCharsets.UTF_8)));
        quota.run(new SlotCommand.Publish(P, "big", ALICE, null, large));
        assertThat(refusal(() -> quota.post("big", ALICE, 60))).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void usageFollowsPostsDeletesExpiryAndQueueDeletion() {
        f.post("q", ALICE, 60, 60, 120);
        assertThat(f.sm.usage().messages()).isEqualTo(3);
        long bytes = f.sm.usage().bodyBytes();
        assertThat(bytes).isPositive();
        f.advanceSeconds(61);
        f.run(new SlotCommand.GetStats(P, "q"));
        assertThat(f.sm.usage().messages()).isEqualTo(1);
        f.createQueue("other");
        f.post("other", ALICE, 60);
        f.run(new SlotCommand.DeleteQueue(P, "other"));
        assertThat(f.sm.usage().messages()).isEqualTo(1);
        assertThat(f.sm.usage().queues()).isEqualTo(1);
        assertThat(f.sm.heapEstimate()).isGreaterThan(f.sm.usage().bodyBytes());
        assertThat(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits()).usage().messages()).isEqualTo(1);
    }

    @Test
    void eachProjectsUsageIsKeptAndOnlyChangesAreHandedOn() {
        f.createQueue("a");
        f.createQueue("b");
        f.run(new SlotCommand.CreateQueue("other", "a"));
        f.post("a", ALICE, 60, 60);
        f.post("b", ALICE, 120);
        f.run(new SlotCommand.Publish("other", "a", ALICE, null,
                java.util.List.of(new NewMessage(60, "{\"k\":1}".getBytes(StandardCharsets.UTF_8)))));
        assertThat(drained()).containsOnlyKeys(P, "other");
        assertThat(f.sm.usageOf(P).messages()).isEqualTo(3);
        assertThat(f.sm.usageOf("other").messages()).isEqualTo(1);
        assertThat(f.sm.usageOf(P).bodyBytes() + f.sm.usageOf("other").bodyBytes()).isEqualTo(f.sm.usage().bodyBytes());
        assertThat(drained()).as("nothing changed since").isEmpty();

        // Expiry changes a project's usage without a command of its own.
        f.advanceSeconds(61);
        f.sm.advanceTo(f.now);
        assertThat(drained()).containsOnlyKeys(P, "other");
        assertThat(f.sm.usageOf(P).messages()).isEqualTo(1);
        f.post("a", ALICE, 60);
        assertThat(drained()).containsOnlyKeys(P);

        // A project whose last queue goes reports zero and is forgotten.
        f.run(new SlotCommand.DeleteQueue("other", "a"));
        assertThat(drained()).containsEntry("other", java.util.List.of(0L, 0L));
        assertThat(f.sm.usageOf("other")).isNull();

        assertThat(f.sm.projectUsageTallies()).isEqualTo(f.sm.recountProjectUsage());
        SlotStateMachine restored = SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits());
        assertThat(restored.projectUsageTallies()).isEqualTo(f.sm.projectUsageTallies());
        assertThat(f.replayed().projectUsageTallies()).isEqualTo(f.sm.projectUsageTallies());
    }

    /** Project -> [messages, bytes] of the usages changed since the last call. */
    private java.util.Map<String, java.util.List<Long>> drained() {
        java.util.Map<String, java.util.List<Long>> out = new java.util.HashMap<>();
        f.sm.drainProjectChanges(u -> out.put(u.project(), java.util.List.of(u.messages(), u.bodyBytes())));
        return out;
    }

    private List<Long> postDelayed(String q, int ttl, int... delays) {
        java.util.List<NewMessage> batch = new java.util.ArrayList<>();
        for (int d : delays) {
            batch.add(new NewMessage(ttl, "{\"d\":1}".getBytes(StandardCharsets.UTF_8), d));
        }
        return f.run(new SlotCommand.Publish(P, q, ALICE, null, batch)).seqs();
    }

    @Test
    void aDelayedMessageIsNeitherClaimableNorListedUntilDueAndThenComesInOrder() {
        f.createQueue("q");
        List<Long> seqs = postDelayed("q", 300, 30, 0, 60);
        SlotCommand.GetStats stats = new SlotCommand.GetStats(P, "q");
        assertThat(f.run(stats)).extracting(Views.QueueStats::delayed, Views.QueueStats::free, Views.QueueStats::claimed,
                Views.QueueStats::total).containsExactly(2L, 1L, 0L, 3L);
        // Only the message without a delay is claimable; the delayed ones are no one's claim.
        ClaimView first = f.claim("q", 10, 600, 60);
        assertThat(first.messages()).extracting(Views.MessageView::seq).containsExactly(seqs.get(1));
        assertThat(f.run(new SlotCommand.ListMessages(P, "q", BOB, -1, 10, true, true)).messages())
                .extracting(Views.MessageView::seq).containsExactly(seqs.get(1));
        assertThat(f.run(new SlotCommand.ListMessages(P, "q", BOB, -1, 10, true, true, true)).messages())
                .extracting(Views.MessageView::seq, Views.MessageView::claimSeq)
                .containsExactly(tuple(seqs.get(0), 0L), tuple(seqs.get(1), first.claimSeq()), tuple(seqs.get(2), 0L));
        // The slot's timer knows when the first falls due (for waking streaming workers).
        assertThat(f.sm.nextClaimExpiry(P, "q")).isEqualTo(f.now + 30_000);

        f.advanceSeconds(29);
        assertThat(f.claim("q", 10, 60, 60).messages()).isEmpty();
        f.advanceSeconds(1);
        ClaimView due = f.claim("q", 10, 60, 60);
        assertThat(due.messages()).extracting(Views.MessageView::seq).containsExactly(seqs.get(0));
        assertThat(f.sm.counters().messagesRedelivered).as("a delay is not a delivery").isZero();
        f.advanceSeconds(30);
        assertThat(f.run(stats)).extracting(Views.QueueStats::delayed, Views.QueueStats::free).containsExactly(0L, 1L);
        assertThat(f.claim("q", 10, 60, 60).messages()).extracting(Views.MessageView::seq).containsExactly(seqs.get(2));
        assertThat(f.sm.counters().claimsExpired).isZero();
    }

    @Test
    void aDelayedMessageCanBeDeletedByIdAndItsHoldIsNoClaim() {
        f.createQueue("q");
        List<Long> seqs = postDelayed("q", 300, 60, 60);
        // The hold's number is the one after the messages; no client may use it as a claim id.
        long hold = seqs.get(1) + 1;
        assertThat(refusal(() -> f.run(new SlotCommand.GetClaim(P, "q", hold)))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(f.run(new SlotCommand.ReleaseClaim(P, "q", hold))).isFalse();
        assertThat(refusal(() -> f.run(new SlotCommand.UpdateClaim(P, "q", hold, 60, 60)))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(f.run(new SlotCommand.AckMessages(P, "q", new long[] {seqs.get(0)}, new long[] {hold})).refused()).isEqualTo(1);
        assertThat(f.run(new SlotCommand.DeleteMessage(P, "q", seqs.get(0), SlotCommand.DeleteMessage.NO_CLAIM))).isTrue();
        assertThat(f.run(new SlotCommand.GetMessage(P, "q", seqs.get(1))).claimSeq()).isZero();
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).delayed()).isEqualTo(1);
        assertThat(f.sm.messageState(P, "q", seqs.get(1))).isEqualTo(MessageState.DELAYED);
    }

    @Test
    void aQueuesDefaultDelayAppliesToMessagesPostedWithoutOne() {
        f.createQueue("q");
        f.run(new SlotCommand.SetMetadata(P, "q", "{\"x\": {\"_default_message_delay\": 5}, \"_default_message_delay\": 100}"
                .getBytes(StandardCharsets.UTF_8)));
        List<Long> queueDelay = f.post("q", ALICE, 300, 60); // the second is capped at its TTL
        List<Long> own = postDelayed("q", 300, 0);
        assertThat(f.claim("q", 10, 600, 60).messages()).extracting(Views.MessageView::seq).containsExactly(own.get(0));
        f.advanceSeconds(60);
        assertThat(f.claim("q", 10, 600, 60).messages()).isEmpty(); // the capped one expired as it fell due
        f.advanceSeconds(40);
        assertThat(f.claim("q", 10, 60, 60).messages()).extracting(Views.MessageView::seq).containsExactly(queueDelay.get(0));
        // The restored and the replayed slot agree.
        assertThat(SlotFixture.snapshot(SlotFixture.restore(SlotFixture.snapshot(f.sm), f.sm.limits())))
                .isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aDelayPastTheTtlOrABadDefaultIsRefusedAndChangesNothing() {
        f.createQueue("q");
        int records = f.log.size();
        assertThat(refusal(() -> postDelayed("q", 60, 61))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> postDelayed("q", 60, -2))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        for (String bad : List.of("\"soon\"", "-1", "1.5", "99999999999")) {
            assertThat(refusal(() -> f.run(new SlotCommand.SetMetadata(P, "q",
                    ("{\"_default_message_delay\": " + bad + "}").getBytes(StandardCharsets.UTF_8)))))
                    .as(bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        assertThat(f.log).hasSize(records);
    }

    @Test
    void aClaimOnAQueueOfDelayedMessagesMovesItsCursorPastThemOnce() {
        f.createQueue("q");
        List<Long> delayed = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            delayed.addAll(postDelayed("q", 300, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60));
        }
        assertThat(f.claim("q", 10, 60, 60).messages()).isEmpty();
        QueueState q = f.sm.projects().get(P).get("q");
        // The next claim starts after them instead of walking 500 held messages again.
        assertThat(q.cursor()).isGreaterThan(delayed.get(delayed.size() - 1));
        List<Long> later = f.post("q", ALICE, 300);
        assertThat(f.claim("q", 10, 60, 60).messages()).extracting(MessageView::seq).containsExactlyElementsOf(later);
        f.advanceSeconds(60);
        assertThat(f.claim("q", 20, 60, 60).messages()).extracting(MessageView::seq)
                .containsExactlyElementsOf(delayed.subList(0, 20));
    }
}
