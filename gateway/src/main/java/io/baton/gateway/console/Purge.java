package io.baton.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonClient;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /console/api/queues/{queue}/purge} with {@code {"up_to": message id}}: deletes the
 * queue's messages up to that one, the newest the operator was shown when confirming, so a purge
 * never takes messages posted after the count it was confirmed with.
 */
final class Purge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BatonClient client;

    Purge(BatonClient client) {
        this.client = client;
    }

    CompletableFuture<Reply> purge(String project, String queue, byte[] body) {
        String upTo;
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode given = root == null || !root.isObject() ? null : root.get("up_to");
            if (given == null || !given.isTextual() || given.asText().isEmpty()) {
                throw new ConsoleJson.Refusal(400, "Invalid request body",
                        "Send {\"up_to\": id}: the newest message to purge (the queue's newest when you confirmed).");
            }
            upTo = given.asText();
        } catch (IOException e) {
            throw new ConsoleJson.Refusal(400, "Invalid request body", "The body is not JSON.");
        }
        return client.withProject(project).purgeAsync(queue, upTo).thenApply(n -> ConsoleJson.ok(g -> {
            g.writeStartObject();
            g.writeNumberField("deleted", n);
            g.writeEndObject();
        }));
    }
}
