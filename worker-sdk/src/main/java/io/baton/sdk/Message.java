package io.baton.sdk;

import java.time.Instant;

/**
 * A message as read. {@code bodyJson} is its JSON body; {@code claimId} is set when a valid claim
 * holds it (always, for messages returned by a claim).
 */
public record Message(String id, long ttlSeconds, long ageSeconds, String bodyJson, Instant createdAt, String claimId) {}
