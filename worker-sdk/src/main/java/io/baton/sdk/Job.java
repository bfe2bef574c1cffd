package io.baton.sdk;

import java.time.Instant;
import java.util.List;

/**
 * A job pushed to a {@link Worker}: a message of the queue, held under a claim of its own
 * ({@code claimId}) until the handler returns (acknowledged: deleted) or throws (released).
 * {@code attempt} is this attempt's number (1 the first time the job is handed out; the broker
 * counts every claim, across restarts and take-overs); {@code previousAttempts} are the latest
 * attempts before it that ended (at most ten), oldest first, each with how it ended.
 */
public record Job(String queue, String id, String bodyJson, String claimId, Instant createdAt, int attempt,
                  List<Attempt> previousAttempts) {
    public Job {
        previousAttempts = List.copyOf(previousAttempts);
    }

    /** A job on its first attempt (for tests of handlers). */
    public Job(String queue, String id, String bodyJson, String claimId, Instant createdAt) {
        this(queue, id, bodyJson, claimId, createdAt, 1, List.of());
    }
}
