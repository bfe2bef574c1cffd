package io.baton.sdk;

import java.time.Instant;

/**
 * A job pushed to a {@link Worker}: a message of the queue, held under a claim of its own
 * ({@code claimId}) until the handler returns (acknowledged: deleted) or throws (released).
 */
public record Job(String queue, String id, String bodyJson, String claimId, Instant createdAt) {}
