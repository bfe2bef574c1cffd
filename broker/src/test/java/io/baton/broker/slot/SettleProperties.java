package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * A {@link SlotCommand.Settle} is the same as its acks and then its releases as two commands: from
 * random states (one-message and several-message claims, claims lost to expiry and claimed again,
 * queues with and without a retry backoff and a maximum of claims), random settles whose releases
 * name other claims than their acks (some valid, some ended, some named twice, some never issued)
 * give the same replies, the same records and the same state as the two commands decided one after
 * the other, and the same again after a replay.
 */
class SettleProperties {
    private static final String P = SlotFixture.P;
    private static final String Q = "q";

    @Property(tries = 300)
    void aSettleDoesWhatItsAcksThenItsReleasesDo(@ForAll long seed) {
        Random random = new Random(seed);
        SlotFixture together = new SlotFixture();
        SlotFixture apart = new SlotFixture();
        List<Views.ClaimView> claims = new ArrayList<>();
        List<Long> messages = new ArrayList<>();
        setUp(random, together, claims, messages);
        setUp(new Random(seed), apart, new ArrayList<>(), new ArrayList<>());

        SlotCommand.AckMessages acks = random.nextInt(4) == 0 ? null : acks(random, claims, messages);
        SlotCommand.ReleaseClaims releases = releases(random, claims, acks);
        if (acks == null && releases == null) {
            releases = new SlotCommand.ReleaseClaims(P, Q, List.of(new SlotCommand.ReleaseClaims.Release(1_000_000, 0, null, null)));
        }

        SlotCommand.SettleResult result = together.run(new SlotCommand.Settle(acks, releases));
        SlotCommand.AckResult ackResult = acks == null ? new SlotCommand.AckResult(0, 0) : apart.run(acks);
        int refused = releases == null ? 0 : apart.run(releases);

        assertThat(result).isEqualTo(new SlotCommand.SettleResult(ackResult, refused));
        assertThat(together.log).hasSameSizeAs(apart.log);
        for (int i = 0; i < together.log.size(); i++) {
            assertThat(together.log.get(i)).as("record %d", i).isEqualTo(apart.log.get(i));
        }
        byte[] state = SlotFixture.snapshot(together.sm);
        assertThat(state).isEqualTo(SlotFixture.snapshot(apart.sm));
        SlotStateMachine replayed = together.replayed();
        replayed.advanceTo(together.now);
        together.sm.advanceTo(together.now);
        assertThat(SlotFixture.snapshot(replayed)).isEqualTo(SlotFixture.snapshot(together.sm));
        // And what comes next: the jobs given back are claimed again alike.
        together.advanceSeconds(5);
        apart.advanceSeconds(5);
        SlotCommand.ClaimEach next = new SlotCommand.ClaimEach(P, Q, 50, 60, 60);
        assertThat(described(together.run(next))).isEqualTo(described(apart.run(next)));
    }

    /** Claims as values (a body compares by identity): each claim with its messages, their attempts and ledgers. */
    private static List<String> described(List<Views.ClaimView> claims) {
        List<String> out = new ArrayList<>();
        for (Views.ClaimView c : claims) {
            for (Views.MessageView m : c.messages()) {
                out.add(c.claimSeq() + "/" + c.ttlSeconds() + ": " + m.seq() + " " + m.ttlSeconds() + " " + m.ageSeconds() + " "
                        + m.attempts() + " " + m.ledger() + " " + new String(m.body(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void aSettleThatReleasesAClaimItAcknowledgesIsRefusedAndChangesNothing() {
        SlotFixture f = new SlotFixture();
        f.createQueue(Q);
        long seq = f.post(Q, SlotFixture.ALICE, 60).get(0);
        long claim = f.run(new SlotCommand.ClaimEach(P, Q, 1, 60, 60)).get(0).claimSeq();
        byte[] before = SlotFixture.snapshot(f.sm);
        int records = f.log.size();
        SlotCommand.Settle settle = new SlotCommand.Settle(new SlotCommand.AckMessages(P, Q, new long[] {seq}, new long[] {claim}),
                new SlotCommand.ReleaseClaims(P, Q, List.of(new SlotCommand.ReleaseClaims.Release(claim, 0, "E", null))));
        assertThatThrownBy(() -> f.run(settle)).isInstanceOfSatisfying(SlotException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(f.log).hasSize(records);
        assertThat(SlotFixture.snapshot(f.sm)).isEqualTo(before);
    }

    @Test
    void aSettleNeedsAcksOrReleasesOfOneQueue() {
        assertThatThrownBy(() -> new SlotCommand.Settle(null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SlotCommand.Settle(new SlotCommand.AckMessages(P, "a", new long[] {1}, new long[] {2}),
                new SlotCommand.ReleaseClaims(P, "b", List.of(new SlotCommand.ReleaseClaims.Release(3, 0, null, null)))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A queue, maybe with a policy, and messages: some under claims of one message (as streams
     * take them), some under claims of several, some free, some claims lost to expiry and their
     * messages claimed again, some released once already.
     */
    private static void setUp(Random random, SlotFixture f, List<Views.ClaimView> claims, List<Long> messages) {
        f.createQueue(Q);
        switch (random.nextInt(3)) {
            case 0 -> { }
            case 1 -> f.run(new SlotCommand.SetMetadata(P, Q, "{\"_max_claim_count\": 2, \"_dead_letter_queue\": \"dlq\"}"
                    .getBytes(StandardCharsets.UTF_8)));
            default -> f.run(new SlotCommand.SetMetadata(P, Q, "{\"_retry_backoff_initial_ms\": 500, \"_retry_backoff_max_ms\": 4000}"
                    .getBytes(StandardCharsets.UTF_8)));
        }
        int n = 1 + random.nextInt(20);
        int[] ttls = new int[n];
        java.util.Arrays.fill(ttls, 600);
        messages.addAll(f.post(Q, SlotFixture.ALICE, ttls));
        for (int round = 0; round < 1 + random.nextInt(3); round++) {
            if (random.nextBoolean()) {
                claims.addAll(f.run(new SlotCommand.ClaimEach(P, Q, 1 + random.nextInt(6), 60 + random.nextInt(60), 60)));
            } else {
                Views.ClaimView c = f.claim(Q, 1 + random.nextInt(5), 60 + random.nextInt(60), 60);
                if (c != null && !c.messages().isEmpty()) {
                    claims.add(c);
                }
            }
            if (random.nextInt(3) == 0 && !claims.isEmpty()) {
                Views.ClaimView c = claims.get(random.nextInt(claims.size()));
                f.run(new SlotCommand.ReleaseClaim(P, Q, c.claimSeq(), random.nextBoolean() ? 0 : 300, "E" + round, null));
            }
            f.advanceSeconds(random.nextInt(150)); // some leases run out, and their messages are claimed again
        }
    }

    /** Acks of claimed messages, right and wrong: under their claim, under another, under none known, twice. */
    private static SlotCommand.AckMessages acks(Random random, List<Views.ClaimView> claims, List<Long> messages) {
        int n = 1 + random.nextInt(6);
        long[] seqs = new long[n];
        long[] claimSeqs = new long[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);
            if (kind < 7 && !claims.isEmpty()) {
                Views.ClaimView c = claims.get(random.nextInt(claims.size()));
                seqs[i] = c.messages().get(random.nextInt(c.messages().size())).seq();
                claimSeqs[i] = c.claimSeq();
            } else if (kind < 9 && !claims.isEmpty()) {
                seqs[i] = messages.get(random.nextInt(messages.size()));
                claimSeqs[i] = claims.get(random.nextInt(claims.size())).claimSeq();
            } else {
                seqs[i] = messages.get(random.nextInt(messages.size()));
                claimSeqs[i] = 900_000 + i;
            }
            if (i > 0 && random.nextInt(8) == 0) {
                seqs[i] = seqs[i - 1];
                claimSeqs[i] = claimSeqs[i - 1];
            }
        }
        return new SlotCommand.AckMessages(P, Q, seqs, claimSeqs);
    }

    /** Releases of claims the acks do not name (valid or ended), some twice, one never issued; null if none. */
    private static SlotCommand.ReleaseClaims releases(Random random, List<Views.ClaimView> claims, SlotCommand.AckMessages acks) {
        List<SlotCommand.ReleaseClaims.Release> out = new ArrayList<>();
        long[] delays = {0, SlotCommand.ReleaseClaim.QUEUE_BACKOFF, 1_500};
        for (Views.ClaimView c : claims) {
            boolean acked = acks != null && java.util.Arrays.stream(acks.claimSeqs()).anyMatch(s -> s == c.claimSeq());
            if (!acked && random.nextInt(3) > 0) {
                out.add(new SlotCommand.ReleaseClaims.Release(c.claimSeq(), delays[random.nextInt(delays.length)],
                        random.nextBoolean() ? "java.lang.IllegalStateException" : null, random.nextBoolean() ? "failed" : null));
                if (random.nextInt(6) == 0) {
                    out.add(out.get(out.size() - 1));
                }
            }
        }
        if (random.nextInt(5) == 0) {
            out.add(new SlotCommand.ReleaseClaims.Release(800_000, 0, null, null));
        }
        java.util.Collections.shuffle(out, random);
        return out.isEmpty() ? null : new SlotCommand.ReleaseClaims(P, Q, out.subList(0, Math.min(out.size(), 20)));
    }
}
