package io.baton.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.Limits;
import io.baton.api.QueueNames;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonClient;
import io.baton.sdk.QueueEntry;
import io.baton.sdk.QueueStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The dead-letter endpoints.
 *
 * <p>{@code GET /console/api/dead-letters}: the queues that other queues of the project name as
 * their {@code _dead_letter_queue}, with the queues that feed each and their counts. Dead-letter
 * queues are ordinary queues named in metadata, so finding them means reading the project's queue
 * metadata: at most {@link #SCAN_MAX} queues, a page of {@link #SCAN_PAGE} at a time, and the
 * answer says whether it saw them all.
 *
 * <p>{@code POST /console/api/queues/{queue}/redrive}: sends dead-lettered messages back to the
 * queues they came from, the named ones ({@code {"ids": [...]}}, at most 100) or the oldest 100
 * ({@code {}}); the page repeats the call to send back a whole queue.
 */
final class DeadLetters {
    /** The brokers list at most this many queues a call (the v1 listing's limit). */
    static final int SCAN_PAGE = Limits.QUEUE_LIST_LIMIT_MAX;
    /** Calls in sequence, one page each: a scan stays around a second even on a slow day. */
    static final int SCAN_MAX = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BatonClient client;

    DeadLetters(BatonClient client) {
        this.client = client;
    }

    CompletableFuture<Reply> list(String project) {
        BatonClient c = client.withProject(project);
        return scan(c, null, new TreeMap<>(), 0).thenCompose(scan -> {
            List<CompletableFuture<QueueStats>> stats = scan.sources().keySet().stream()
                    .map(dlq -> c.statsAsync(dlq).exceptionally(e -> null)).toList();
            return CompletableFuture.allOf(stats.toArray(CompletableFuture[]::new)).thenApply(v -> ConsoleJson.ok(g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("dead_letter_queues");
                int i = 0;
                for (Map.Entry<String, TreeSet<String>> e : scan.sources().entrySet()) {
                    QueueStats s = stats.get(i++).join();
                    g.writeStartObject();
                    g.writeStringField("name", e.getKey());
                    g.writeArrayFieldStart("sources");
                    for (String source : e.getValue()) {
                        g.writeString(source);
                    }
                    g.writeEndArray();
                    // A dead-letter queue that nothing was moved to yet may not exist: no counts.
                    if (s != null) {
                        g.writeNumberField("total", s.total());
                        if (s.total() > 0 && s.oldest() != null) {
                            g.writeNumberField("oldest_age", Math.max(0, s.oldest().ageSeconds()));
                        }
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeNumberField("scanned", scan.scanned());
                g.writeBooleanField("complete", scan.complete());
                g.writeEndObject();
            }));
        });
    }

    private record Scan(TreeMap<String, TreeSet<String>> sources, int scanned, boolean complete) {}

    /** Reads queue metadata page by page, one page in flight: a console request never floods the brokers. */
    private CompletableFuture<Scan> scan(BatonClient c, String marker, TreeMap<String, TreeSet<String>> sources, int scanned) {
        return c.listQueuesAsync(marker, SCAN_PAGE, true).thenCompose(page -> {
            for (QueueEntry q : page) {
                String dlq = deadLetterQueue(q.metadataJson());
                if (dlq != null) {
                    sources.computeIfAbsent(dlq, k -> new TreeSet<>()).add(q.name());
                }
            }
            int seen = scanned + page.size();
            if (page.size() < SCAN_PAGE) {
                return CompletableFuture.completedFuture(new Scan(sources, seen, true));
            }
            if (seen >= SCAN_MAX) {
                return CompletableFuture.completedFuture(new Scan(sources, seen, false));
            }
            return scan(c, page.get(page.size() - 1).name(), sources, seen);
        });
    }

    private static String deadLetterQueue(String metadataJson) {
        if (metadataJson == null || metadataJson.isEmpty()) {
            return null;
        }
        try {
            JsonNode dlq = JSON.readTree(metadataJson).get("_dead_letter_queue");
            return dlq != null && dlq.isTextual() && QueueNames.isValid(dlq.asText()) ? dlq.asText() : null;
        } catch (IOException e) {
            return null; // the broker validated it as JSON when it was set; nothing to show otherwise
        }
    }

    CompletableFuture<Reply> redrive(String project, String queue, byte[] body) {
        List<String> ids = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(body.length == 0 ? "{}".getBytes() : body);
            JsonNode given = root == null ? null : root.get("ids");
            if (root == null || !root.isObject() || (given != null && !given.isArray())) {
                throw new ConsoleJson.Refusal(400, "Invalid request body", "Send {\"ids\": [message ids]} or {}.");
            }
            if (given != null) {
                for (JsonNode id : given) {
                    if (!id.isTextual()) {
                        throw new ConsoleJson.Refusal(400, "Invalid request body", "Message ids are strings.");
                    }
                    ids.add(id.asText());
                }
            }
        } catch (IOException e) {
            throw new ConsoleJson.Refusal(400, "Invalid request body", "The body is not JSON.");
        }
        if (ids.size() > BatonClient.REDRIVE_BATCH_MAX) {
            throw new ConsoleJson.Refusal(400, "Invalid request body", "At most " + BatonClient.REDRIVE_BATCH_MAX + " ids at a time.");
        }
        int limit = ids.isEmpty() ? BatonClient.REDRIVE_BATCH_MAX : ids.size();
        return client.withProject(project).redriveAsync(queue, ids, limit).thenApply(r -> ConsoleJson.ok(g -> {
            g.writeStartObject();
            g.writeNumberField("started", r.redriven());
            g.writeNumberField("not_moved", r.notMoved());
            g.writeEndObject();
        }));
    }
}
