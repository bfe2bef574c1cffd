package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClaimTableTest {
    @Test
    void claimsThatEndBeforeTheirLeasesLeaveNothingBehind() {
        ClaimTable table = new ClaimTable();
        // A worker's jobs: each claimed for 60 s and done long before.
        for (long seq = 1; seq <= 200_000; seq++) {
            table.add(new Claim(seq, new long[] {seq}, seq, 60));
            if (seq > 100) {
                table.remove(seq - 100);
            }
        }
        assertThat(table.size()).isEqualTo(100);
        assertThat(table.timed()).isEqualTo(100);
        assertThat(table.nextExpiry()).isEqualTo(199_901 + 60_000);
        for (long seq = 199_901; seq <= 200_000; seq++) {
            table.remove(seq);
        }
        assertThat(table.timed()).isZero();
        assertThat(table.nextExpiry()).isEqualTo(Long.MAX_VALUE);
        assertThat(table.takeExpired(Long.MAX_VALUE - 1)).isEmpty();
    }

    @Test
    void expiredClaimsComeOutByExpiryThenSequenceAndRenewalsMoveThem() {
        ClaimTable table = new ClaimTable();
        Claim a = new Claim(1, new long[] {1}, 0, 30);
        Claim b = new Claim(2, new long[] {2}, 0, 10);
        Claim c = new Claim(3, new long[] {3}, 0, 10);
        Claim moving = Claim.moveHold(4, new long[] {4}, 0, new Move("dlq", 0, false));
        for (Claim claim : new Claim[] {a, b, c, moving}) {
            table.add(claim);
        }
        assertThat(table.nextExpiry()).isEqualTo(10_000);
        b.renew(5_000, 60);
        table.renewed(b);
        assertThat(table.takeExpired(10_000)).containsExactly(c);
        assertThat(table.get(3)).isNull();
        assertThat(table.nextExpiry()).isEqualTo(30_000);
        assertThat(table.takeExpired(Long.MAX_VALUE - 1)).containsExactly(a, b);
        assertThat(table.size()).isEqualTo(1); // the move hold never expires
        assertThat(table.moveHolds()).containsExactly(moving);
        table.remove(4);
        assertThat(table.moveHolds()).isEmpty();
        assertThat(table.size()).isZero();
    }

    @Test
    void aClaimReplacedUnderItsSequenceExpiresOnlyAsItsSuccessor() {
        ClaimTable table = new ClaimTable();
        Claim first = new Claim(7, new long[] {1}, 0, 10);
        Claim successor = new Claim(7, new long[] {1}, 0, 60);
        table.add(first);
        table.add(successor);
        table.add(successor); // added twice: one timer
        assertThat(table.timed()).isEqualTo(1);
        assertThat(table.takeExpired(10_000)).isEmpty();
        assertThat(table.get(7)).isSameAs(successor);
        assertThat(table.takeExpired(60_000)).containsExactly(successor);
    }
}
