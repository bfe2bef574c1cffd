package io.baton.broker.slot;

import static io.baton.broker.slot.SlotFixture.ALICE;
import static io.baton.broker.slot.SlotFixture.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Purging a queue up to a message, and the per-queue traffic counts the console charts. */
class PurgeAndTrafficTest {
    private final SlotFixture f = new SlotFixture();

    @org.junit.jupiter.api.BeforeEach
    void queue() {
        f.createQueue("q");
    }

    @Test
    void aPurgeTakesClaimedDelayedAndFreeMessagesUpToTheIdAndLeavesLaterOnes() {
        List<Long> ids = f.post("q", ALICE, 600, 600, 600, 600);
        f.claim("q", 1, 60, 60);
        f.run(new SlotCommand.Publish(P, "q", ALICE, null, List.of(new NewMessage(600, "1".getBytes(), 30))));
        long upTo = f.run(new SlotCommand.GetStats(P, "q")).newest().seq();
        List<Long> later = f.post("q", ALICE, 600);

        Views.PurgeResult r = f.run(new SlotCommand.PurgeMessages(P, "q", upTo, 100));

        assertThat(r).isEqualTo(new Views.PurgeResult(5, false));
        Views.QueueStats stats = f.run(new SlotCommand.GetStats(P, "q"));
        assertThat(stats.total()).isOne();
        assertThat(stats.oldest().seq()).isEqualTo(later.get(0));
        assertThatThrownBy(() -> f.run(new SlotCommand.GetMessage(P, "q", ids.get(0))))
                .isInstanceOfSatisfying(SlotException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        // Replay reaches the same state.
        assertThat(SlotFixture.snapshot(f.replayed())).isEqualTo(SlotFixture.snapshot(f.sm));
    }

    @Test
    void aLargePurgeGoesInStepsThatSayWhetherMoreRemain() {
        for (int i = 0; i < 5; i++) {
            f.post("q", ALICE, 600, 600, 600, 600, 600);
        }
        long upTo = f.run(new SlotCommand.GetStats(P, "q")).newest().seq();
        List<Views.PurgeResult> steps = new java.util.ArrayList<>();
        Views.PurgeResult r;
        do {
            r = f.run(new SlotCommand.PurgeMessages(P, "q", upTo, 10));
            steps.add(r);
        } while (r.more());
        assertThat(steps.stream().mapToInt(Views.PurgeResult::deleted).sum()).isEqualTo(25);
        assertThat(steps.get(0)).isEqualTo(new Views.PurgeResult(10, true));
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isZero();
        assertThat(f.run(new SlotCommand.PurgeMessages(P, "q", upTo, 10))).isEqualTo(new Views.PurgeResult(0, false));
    }

    @Test
    void aPurgeOfAMissingQueueOrWithABadLimitIsRefusedAndChangesNothing() {
        f.post("q", ALICE, 600);
        int records = f.log.size();
        assertThatThrownBy(() -> f.run(new SlotCommand.PurgeMessages(P, "none", Long.MAX_VALUE, 10)))
                .isInstanceOfSatisfying(SlotException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> f.run(new SlotCommand.PurgeMessages(P, "q", Long.MAX_VALUE, 0)))
                .isInstanceOfSatisfying(SlotException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> f.run(new SlotCommand.PurgeMessages(P, "q", Long.MAX_VALUE, SlotStateMachine.PURGE_MAX + 1)))
                .isInstanceOfSatisfying(SlotException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(f.log).hasSize(records);
        assertThat(f.run(new SlotCommand.GetStats(P, "q")).total()).isOne();
    }

    @Test
    void trafficIsCountedPerTenSecondsForFiveMinutesByRecordTime() {
        f.now = 1_700_000_000_000L; // a bucket boundary, before any record
        f.post("q", ALICE, 600, 600, 600);
        f.advanceSeconds(10);
        List<Long> ids = f.post("q", ALICE, 600);
        f.run(new SlotCommand.DeleteMessages(P, "q", new long[] {ids.get(0)}));
        Views.Rates rates = f.run(new SlotCommand.GetStats(P, "q")).rates();

        assertThat(rates.bucketMs()).isEqualTo(10_000);
        assertThat(rates.posted()).hasSize(30);
        assertThat(rates.endMs()).isEqualTo(f.now + 10_000);
        assertThat(rates.posted()[29]).isEqualTo(1);
        assertThat(rates.posted()[28]).isEqualTo(3);
        assertThat(rates.deleted()[29]).isEqualTo(1);
        assertThat(IntStream.of(rates.deleted()).sum()).isEqualTo(1);

        // Replay counts the same records into the same spans.
        Views.Rates again = SlotFixture.run(f.replayed(), new SlotCommand.GetStats(P, "q"), f.now, new java.util.ArrayList<>()).rates();
        assertThat(again.posted()).containsExactly(rates.posted());
        assertThat(again.deleted()).containsExactly(rates.deleted());

        // Five minutes on, the spans have left the window.
        f.advanceSeconds(300);
        Views.Rates later = f.run(new SlotCommand.GetStats(P, "q")).rates();
        assertThat(IntStream.of(later.posted()).sum()).isZero();
        assertThat(IntStream.of(later.deleted()).sum()).isZero();
    }

    @Test
    void aQueueWithoutTrafficHasAnEmptyWindow() {
        f.createQueue("quiet");
        Views.Rates rates = f.run(new SlotCommand.GetStats(P, "quiet")).rates();
        assertThat(rates.posted()).hasSize(30).containsOnly(0);
        assertThat(rates.deleted()).hasSize(30).containsOnly(0);
    }
}
