package io.baton.sdk;

import java.time.Instant;
import java.util.List;

/**
 * A message as read. {@code bodyJson} is its JSON body; {@code claimId} is set when a valid claim
 * holds it (always, for messages returned by a claim). {@code attempts} counts the claims it has
 * received; {@code ledger} holds the latest of them (ten that ended, then the running one),
 * oldest first.
 */
public record Message(String id, long ttlSeconds, long ageSeconds, String bodyJson, Instant createdAt, String claimId,
                      int attempts, List<Attempt> ledger) {
    public Message {
        ledger = List.copyOf(ledger);
    }
}
