package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.slot.Attempt;
import io.baton.broker.slot.AttemptOutcome;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessageView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attempt ledger is logged state: a slot served again on its real files (a restart, or a new
 * owner) knows every attempt exactly, and an attempt whose worker never came back to the new
 * owner is recorded as ended by the move.
 */
class AttemptLedgerRestartTest {
    private static final String P = "p";

    @TempDir
    Path dir;

    /** The slot's clock, moved by the test. */
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private FileSlotHarness slots;

    @BeforeEach
    void start() {
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        slots = new FileSlotHarness(dir, new SlotResources(Admission.unlimited(), ProjectQuotas.none(), new BodyCache(0, 1),
                SlotResources.bodyReaderPool(1), SeqReservations.NONE), clock, SlotLimits.v1().withMinimumTtls(60, 1, 0));
    }

    @AfterEach
    void stop() {
        slots.close();
    }

    private static <R> R run(SlotDriver d, SlotCommand<R> c) throws Exception {
        return d.submit(c).get(30, TimeUnit.SECONDS);
    }

    private static long claim(SlotDriver d, long ttlSeconds) throws Exception {
        List<ClaimView> claims = run(d, new SlotCommand.ClaimEach(P, "q", 1, ttlSeconds, 0));
        assertThat(claims).hasSize(1);
        return claims.get(0).claimSeq();
    }

    @Test
    void anAttemptRunningAcrossARestartEndsAsSlotMovedAndTheLedgerSurvives() throws Exception {
        SlotDriver d = slots.open(2, 1, x -> { });
        run(d, new SlotCommand.CreateQueue(P, "q"));
        long seq = run(d, new SlotCommand.Publish(P, "q", new UUID(1, 1), null,
                List.of(new NewMessage(3600, "{}".getBytes(StandardCharsets.UTF_8))))).seqs().get(0);
        long failed = claim(d, 30);
        run(d, new SlotCommand.ReleaseClaim(P, "q", failed, 0, "java.lang.RuntimeException", "boom"));
        long moved = claim(d, 30);
        slots.release(d);

        now.addAndGet(5_000); // the new owner serves the slot while the lease still runs
        d = slots.open(2, 2, x -> { });
        now.addAndGet(26_000); // the lease ran out: nobody renewed it with this owner
        long renewedElsewhere = claim(d, 30);
        run(d, new SlotCommand.UpdateClaim(P, "q", renewedElsewhere, 30, 0)); // this worker did come back
        slots.release(d);

        now.addAndGet(1_000);
        d = slots.open(2, 3, x -> { });
        now.addAndGet(31_000);
        MessageView m = run(d, new SlotCommand.GetMessage(P, "q", seq));
        assertThat(m.attempts()).isEqualTo(3);
        assertThat(m.ledger()).extracting(Attempt::claimSeq, Attempt::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple(failed, AttemptOutcome.RELEASED),
                org.assertj.core.groups.Tuple.tuple(moved, AttemptOutcome.SLOT_MOVED),
                // Renewed after the second opening, then the third came before it ran out, and no renewal followed.
                org.assertj.core.groups.Tuple.tuple(renewedElsewhere, AttemptOutcome.SLOT_MOVED));
        assertThat(m.ledger().get(0).errorMessage()).isEqualTo("boom");
        slots.release(d);

        // Once more from the files alone: the same ledger.
        d = slots.open(2, 4, x -> { });
        assertThat(run(d, new SlotCommand.GetMessage(P, "q", seq)).ledger()).isEqualTo(m.ledger());
        slots.release(d);
    }
}
