package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A pushed job's earlier attempts, from either form of its ledger. */
class AttemptTest {
    private static io.baton.api.v1.Attempt ended(int number, String claimId, String outcome) {
        return io.baton.api.v1.Attempt.newBuilder().setNumber(number).setClaimId(claimId).setStartedAtMs(1_000L * number)
                .setEndedAtMs(1_000L * number + 500).setOutcome(outcome).setErrorClass("java.io.IOException").build();
    }

    private static io.baton.api.v1.Attempt running(int number, String claimId) {
        return io.baton.api.v1.Attempt.newBuilder().setNumber(number).setClaimId(claimId).setStartedAtMs(1_000L * number)
                .setOutcome("running").build();
    }

    @Test
    void theCompactFormListsOnlyEndedAttemptsAndTheyAreAllKept() {
        List<Attempt> previous = Attempt.endedOf(List.of(ended(1, "c1", "released"), ended(2, "c2", "lease_expired_silent")));
        assertThat(previous).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(previous).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.RELEASED, AttemptOutcome.LEASE_EXPIRED_SILENT);
        assertThat(previous.get(0).errorClass()).isEqualTo("java.io.IOException");
        assertThat(previous).allSatisfy(a -> assertThat(a.endedAt()).isNotNull());
    }

    @Test
    void theFullFormsRunningAttemptAtTheEndIsLeftOut() {
        assertThat(Attempt.endedOf(List.of(ended(1, "c1", "released"), running(2, "c2"))))
                .extracting(Attempt::claimId).containsExactly("c1");
        assertThat(Attempt.endedOf(List.of(running(1, "c1")))).isEmpty();
    }

    @Test
    void aFirstClaimInTheCompactFormHasNoLedger() {
        assertThat(Attempt.endedOf(List.of())).isEmpty();
    }
}
