package io.baton.gateway.v1;

import io.baton.api.Limits;
import io.baton.gateway.http.Reply;
import io.baton.sdk.Claim;
import io.baton.sdk.Message;
import java.util.concurrent.CompletableFuture;

/** Claims: create, read, renew, release (spec 2.10). */
final class ClaimResources {
    private static final Reply NO_CONTENT = Reply.empty(204);

    /** POST: 201 with the claimed messages (hrefs carry the claim id), 204 when nothing is free. */
    CompletableFuture<Reply> create(Call c) {
        int limit = c.params().intIn("limit", 1, Limits.CLAIM_LIMIT_MAX, Limits.CLAIM_LIMIT_DEFAULT, "Limit");
        Bodies.Lease lease = Bodies.lease(c.body(), true);
        String q = c.queue();
        return Missing.answer(c.client().claimAsync(q, limit, lease.ttl(), lease.grace()).thenApply(claim -> {
            if (claim.id().isEmpty() || claim.messages().isEmpty()) {
                return NO_CONTENT;
            }
            return Reply.json(201, Json.write(g -> {
                g.writeStartArray();
                for (Message m : claim.messages()) {
                    Json.message(g, q, m, claim.id());
                }
                g.writeEndArray();
            })).withHeader("Location", Hrefs.claim(q, claim.id()));
        }), NO_CONTENT);
    }

    /** GET: the claim's ttl, age and the messages it still holds; 404 once it holds none. */
    CompletableFuture<Reply> get(Call c) {
        String q = c.queue();
        return c.client().getClaimAsync(q, c.id()).thenApply(claim -> {
            if (claim.messages().isEmpty()) {
                return Reply.json(404, Json.error(V1Error.NOT_FOUND, "The claim holds no messages any more."));
            }
            return Reply.json(200, Json.write(g -> writeClaim(g, q, claim))).withHeader("Content-Location", c.rawPath());
        });
    }

    private static void writeClaim(com.fasterxml.jackson.core.JsonGenerator g, String q, Claim claim) throws java.io.IOException {
        g.writeStartObject();
        g.writeNumberField("age", Math.max(0, claim.ageSeconds()));
        g.writeNumberField("ttl", claim.ttlSeconds());
        g.writeStringField("href", Hrefs.claim(q, claim.id()));
        g.writeArrayFieldStart("messages");
        for (Message m : claim.messages()) {
            Json.message(g, q, m, claim.id());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** PATCH: renew with a new ttl and optional grace (default 0); 404 when the claim has ended. */
    CompletableFuture<Reply> renew(Call c) {
        Bodies.Lease lease = Bodies.lease(c.body(), false);
        return c.client().renewClaimAsync(c.queue(), c.id(), lease.ttl(), lease.grace()).thenApply(v -> NO_CONTENT);
    }

    /** DELETE: release; always 204 (spec 2.10), whether or not the claim was still there. */
    CompletableFuture<Reply> release(Call c) {
        return Missing.answer(c.client().releaseClaimAsync(c.queue(), c.id()).thenApply(v -> NO_CONTENT), NO_CONTENT);
    }
}
