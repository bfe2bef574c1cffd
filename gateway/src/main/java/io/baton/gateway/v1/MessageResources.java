package io.baton.gateway.v1;

import io.baton.api.ErrorCode;
import io.baton.api.Limits;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonException;
import io.baton.sdk.Message;
import io.baton.sdk.NewMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The messages collection and message items (spec 2.8, 2.9). */
final class MessageResources {
    private static final Reply NO_CONTENT = Reply.empty(204);

    /** POST: a batch of 1–20, all or nothing; the 201 goes out once the broker has made it durable. */
    CompletableFuture<Reply> post(Call c) {
        List<NewMessage> batch = Bodies.messages(c.body());
        String q = c.queue();
        return c.client().publishAsync(q, batch).thenApply(r -> {
            List<String> hrefs = new ArrayList<>(r.ids().size());
            for (String id : r.ids()) {
                hrefs.add(Hrefs.message(q, id, null));
            }
            byte[] body = Json.write(g -> {
                g.writeStartObject();
                g.writeBooleanField("partial", false);
                g.writeArrayFieldStart("resources");
                for (String h : hrefs) {
                    g.writeString(h);
                }
                g.writeEndArray();
                g.writeEndObject();
            });
            return Reply.json(201, body).withHeader("Location", Hrefs.messagesByIds(q, r.ids()));
        });
    }

    /**
     * GET without ids: a page in posting order, filtered by echo and include_claimed (spec 3.4), and
     * by include_delayed (from the v2 API: messages whose delay is not over are left out unless asked for).
     */
    CompletableFuture<Reply> list(Call c) {
        Params p = c.params();
        int limit = p.intIn("limit", 1, Limits.MESSAGE_LIST_LIMIT_MAX, Limits.MESSAGE_LIST_LIMIT_DEFAULT, "Limit");
        boolean echo = p.bool("echo", false);
        boolean includeClaimed = p.bool("include_claimed", false);
        boolean includeDelayed = p.bool("include_delayed", false);
        String q = c.queue();
        return Missing.answer(c.client().listMessagesAsync(q, p.get("marker"), limit, echo, includeClaimed, includeDelayed)
                .thenApply(page -> {
            if (page.messages().isEmpty()) {
                return NO_CONTENT;
            }
            NextPage next = new NextPage(Hrefs.messages(q), page.nextMarker(), p).option("limit", limit)
                    .option("echo", echo).option("include_claimed", includeClaimed)
                    .option("include_delayed", includeDelayed);
            byte[] body = Json.write(g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("messages");
                for (Message m : page.messages()) {
                    Json.message(g, q, m, null);
                }
                g.writeEndArray();
                next.writeTo(g);
                g.writeEndObject();
            });
            return Reply.json(200, body).withHeader("Content-Location", c.rawPathAndQuery());
        }), NO_CONTENT);
    }

    private static List<String> ids(Call c) {
        List<String> ids = c.params().ids();
        if (ids.size() > Limits.IDS_PER_REQUEST_MAX) {
            throw V1Error.invalid("No more than " + Limits.IDS_PER_REQUEST_MAX + " message ids may be given at once.");
        }
        return ids;
    }

    /** GET with ids: the live ones among them, claimed or not; unknown or malformed ids are skipped. */
    CompletableFuture<Reply> getByIds(Call c) {
        List<String> ids = ids(c);
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(NO_CONTENT);
        }
        String q = c.queue();
        return Missing.answer(c.client().getMessagesAsync(q, ids).thenApply(found -> {
            if (found.isEmpty()) {
                return NO_CONTENT;
            }
            return Reply.json(200, Json.write(g -> {
                g.writeStartArray();
                for (Message m : found) {
                    Json.message(g, q, m, null);
                }
                g.writeEndArray();
            })).withHeader("Content-Location", c.rawPathAndQuery());
        }), NO_CONTENT);
    }

    /** DELETE with ids: claims are ignored (spec 2.8); missing ids and queues are not errors. */
    CompletableFuture<Reply> deleteByIds(Call c) {
        List<String> ids = ids(c);
        if (ids.isEmpty()) {
            throw new V1Error(400, V1Error.MISSING_QUERY, "The \"ids\" query parameter is required.");
        }
        return Missing.answer(c.client().deleteMessagesAsync(c.queue(), ids).thenApply(n -> NO_CONTENT), NO_CONTENT);
    }

    CompletableFuture<Reply> get(Call c) {
        String q = c.queue();
        return c.client().getMessageAsync(q, c.id()).thenApply(m -> Reply.json(200, Json.write(g -> Json.message(g, q, m, null)))
                .withHeader("Content-Location", c.rawPath()));
    }

    /**
     * DELETE one message, following the table of spec 2.9: the broker decides (claim held, other
     * claim, released claim, bad claim id); a message that is not there is a 204.
     */
    CompletableFuture<Reply> delete(Call c) {
        String claimId = c.params().get("claim_id");
        CompletableFuture<Reply> done = c.client().deleteMessageAsync(c.queue(), c.id(), claimId).thenApply(d -> NO_CONTENT);
        return Missing.answer(done, NO_CONTENT).exceptionally(e -> {
            if (Missing.cause(e) instanceof BatonException b && b.code() == ErrorCode.INVALID_ARGUMENT) {
                throw new V1Error(400, V1Error.UNABLE_TO_DELETE, b.getMessage());
            }
            throw Missing.rethrown(e);
        });
    }
}
