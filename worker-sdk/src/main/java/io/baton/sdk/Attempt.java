package io.baton.sdk;

import java.time.Instant;
import java.util.List;

/**
 * One attempt at a job: one claim of its message. {@code number} is 1 for the first; {@code endedAt}
 * is null while it runs; {@code errorClass} and {@code errorMessage} are what the worker reported
 * when the handler failed (null otherwise). Recorded by the broker as part of the queue's logged
 * state, so it is exact across broker restarts and take-overs.
 */
public record Attempt(int number, String claimId, Instant startedAt, Instant endedAt, AttemptOutcome outcome,
                      String errorClass, String errorMessage) {
    /**
     * The attempts of a pushed job's ledger that ended. A job in the compact form carries only
     * those; in the full form (a broker that predates it) the running attempt, the only one with no
     * end yet, comes last.
     */
    static List<Attempt> endedOf(List<io.baton.api.v1.Attempt> ledger) {
        int ended = ledger.size();
        if (ended > 0 && ledger.get(ended - 1).getEndedAtMs() == 0) {
            ended--;
        }
        return ended == 0 ? List.of() : of(ledger.subList(0, ended));
    }

    static List<Attempt> of(List<io.baton.api.v1.Attempt> ledger) {
        return ledger.stream().map(a -> new Attempt(a.getNumber(), a.getClaimId(), Instant.ofEpochMilli(a.getStartedAtMs()),
                a.getEndedAtMs() == 0 ? null : Instant.ofEpochMilli(a.getEndedAtMs()), AttemptOutcome.ofCode(a.getOutcome()),
                a.getErrorClass().isEmpty() ? null : a.getErrorClass(),
                a.getErrorMessage().isEmpty() ? null : a.getErrorMessage())).toList();
    }
}
