package io.baton.gateway.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.baton.gateway.http.Reply;
import io.baton.sdk.Attempt;
import io.baton.sdk.BatonClient;
import io.baton.sdk.Message;
import io.baton.sdk.MessagePage;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /console/api/queues/{queue}/messages}: a page of a queue's messages for the message
 * browser, claimed and delayed ones included, each with its claim and attempt ledger (which the
 * v1 listing does not carry), bodies cut to a preview.
 */
final class MessageBrowser {
    /** Characters of a body shown in a listing: a page stays small whatever the messages hold. */
    static final int PREVIEW_CHARS = 512;
    static final int PAGE_MAX = 20;

    private final BatonClient client;

    MessageBrowser(BatonClient client) {
        this.client = client;
    }

    CompletableFuture<Reply> page(String project, String queue, String marker, int limit) {
        return client.withProject(project).listMessagesAsync(queue, marker, limit, true, true, true)
                .thenApply(page -> ConsoleJson.ok(g -> write(g, queue, page, limit)));
    }

    private static void write(JsonGenerator g, String queue, MessagePage page, int limit) throws IOException {
        g.writeStartObject();
        g.writeStringField("queue", queue);
        g.writeArrayFieldStart("messages");
        for (Message m : page.messages()) {
            g.writeStartObject();
            g.writeStringField("id", m.id());
            g.writeNumberField("age", Math.max(0, m.ageSeconds()));
            g.writeNumberField("ttl", m.ttlSeconds());
            g.writeStringField("claim_id", m.claimId() == null || m.claimId().isEmpty() ? null : m.claimId());
            g.writeNumberField("attempts", m.attempts());
            String body = m.bodyJson();
            boolean cut = body.length() > PREVIEW_CHARS;
            g.writeStringField("body_preview", cut ? body.substring(0, PREVIEW_CHARS) : body);
            g.writeBooleanField("body_cut", cut);
            g.writeArrayFieldStart("ledger");
            for (Attempt a : m.ledger()) {
                g.writeStartObject();
                g.writeNumberField("number", a.number());
                g.writeStringField("claim_id", a.claimId() == null || a.claimId().isEmpty() ? null : a.claimId());
                g.writeStringField("started", instant(a.startedAt()));
                g.writeStringField("ended", instant(a.endedAt()));
                g.writeStringField("outcome", a.outcome().code());
                g.writeStringField("error_class", a.errorClass());
                g.writeStringField("error_message", a.errorMessage());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        // The broker gives a marker after any page; only a full page may have more after it.
        boolean more = page.messages().size() == limit && page.nextMarker() != null && !page.nextMarker().isEmpty();
        g.writeStringField("next", more ? page.nextMarker() : null);
        g.writeEndObject();
    }

    private static String instant(Instant t) {
        return t == null ? null : t.toString();
    }
}
