package io.baton.gateway.v1;

import io.baton.api.Limits;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonClient;
import io.baton.sdk.QueueEntry;
import io.baton.sdk.QueueStats;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;

/** Health, the queue list, queue items, metadata and stats (spec 2.3–2.7). */
final class QueueResources {
    private final BatonClient root;

    QueueResources(BatonClient root) {
        this.root = root;
    }

    /** 204 when a broker answers with a cluster map in which every slot has an owner; else 503. */
    CompletableFuture<Reply> health() {
        return io.baton.gateway.Readiness.problems(root).thenApply(problems -> {
            if (problems.isEmpty()) {
                return Reply.empty(204);
            }
            V1Error u = V1Error.unavailable(problems.get(0));
            return Reply.json(503, Json.error(u.title(), u.description()));
        });
    }


    CompletableFuture<Reply> list(Call c) {
        Params p = c.params();
        int limit = p.intIn("limit", 1, Limits.QUEUE_LIST_LIMIT_MAX, Limits.QUEUE_LIST_LIMIT_DEFAULT, "Limit");
        boolean detailed = p.bool("detailed", false);
        String marker = p.get("marker");
        return c.client().listQueuesAsync(marker, limit, detailed).thenApply(page -> {
            if (page.isEmpty()) {
                return Reply.empty(204);
            }
            NextPage next = new NextPage("/v1/queues", page.get(page.size() - 1).name(), p)
                    .option("limit", limit).option("detailed", detailed);
            byte[] body = Json.write(g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("queues");
                for (QueueEntry q : page) {
                    g.writeStartObject();
                    g.writeStringField("name", q.name());
                    g.writeStringField("href", Hrefs.queue(q.name()));
                    if (detailed) {
                        g.writeFieldName("metadata");
                        g.writeRawValue(q.metadataJson() == null || q.metadataJson().isEmpty() ? "{}" : q.metadataJson());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                next.writeTo(g);
                g.writeEndObject();
            });
            return Reply.json(200, body).withHeader("Content-Location", c.rawPathAndQuery());
        });
    }

    CompletableFuture<Reply> create(Call c) {
        return c.client().createQueueAsync(c.queue()).thenApply(created ->
                Reply.empty(created ? 201 : 204).withHeader("Location", Hrefs.queue(c.queue())));
    }

    CompletableFuture<Reply> delete(Call c) {
        return c.client().deleteQueueAsync(c.queue()).thenApply(deleted -> Reply.empty(204));
    }

    /** GET and HEAD on a queue are existence checks in v1 (spec 2.5). */
    CompletableFuture<Reply> exists(Call c) {
        return c.client().queueExistsAsync(c.queue()).thenApply(exists -> exists ? Reply.empty(204)
                : Reply.json(404, Json.error(V1Error.NOT_FOUND, "Queue " + c.queue() + " does not exist.")));
    }

    CompletableFuture<Reply> getMetadata(Call c) {
        return c.client().getMetadataAsync(c.queue()).thenApply(json -> Reply.json(200,
                (json == null || json.isEmpty() ? "{}" : json).getBytes(StandardCharsets.UTF_8))
                .withHeader("Content-Location", c.rawPath()));
    }

    CompletableFuture<Reply> setMetadata(Call c) {
        String metadata = Bodies.metadata(c.body());
        return c.client().setMetadataAsync(c.queue(), metadata).thenApply(v ->
                Reply.empty(204).withHeader("Location", Hrefs.queue(c.queue()) + "/metadata"));
    }

    CompletableFuture<Reply> stats(Call c) {
        return c.client().statsAsync(c.queue()).thenApply(s -> Reply.json(200, Json.write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("messages");
            g.writeNumberField("claimed", s.claimed());
            g.writeNumberField("free", s.free());
            g.writeNumberField("total", s.total());
            // Not in v1: messages whose delay is not over yet (counted in total). Only while there
            // are some, so a queue used as v1 has exactly the v1 shape.
            if (s.delayed() > 0) {
                g.writeNumberField("delayed", s.delayed());
            }
            if (s.total() > 0 && s.oldest() != null && s.newest() != null) {
                summary(g, "oldest", c.queue(), s.oldest());
                summary(g, "newest", c.queue(), s.newest());
            }
            g.writeEndObject();
            g.writeEndObject();
        })).withHeader("Content-Location", c.rawPath()));
    }

    private static void summary(com.fasterxml.jackson.core.JsonGenerator g, String name, String queue, QueueStats.Summary s)
            throws java.io.IOException {
        g.writeObjectFieldStart(name);
        g.writeStringField("href", Hrefs.message(queue, s.id(), null));
        g.writeNumberField("age", Math.max(0, s.ageSeconds()));
        g.writeStringField("created", DateTimeFormatter.ISO_INSTANT.format(s.createdAt().truncatedTo(ChronoUnit.SECONDS)));
        g.writeEndObject();
    }
}
