package io.baton.gateway.console;

import io.baton.api.ErrorCode;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.QueueEntry;
import io.baton.sdk.QueueStats;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code GET /console/api/queues}: a page of a project's queues with their counts, in one request.
 * The v1 API needs a listing and then one stats request per queue, which a browser sends six at a
 * time per host; here the stats calls go to the brokers at once.
 */
final class QueueOverview {
    static final int PAGE_MAX = 20;

    private final BatonClient client;

    QueueOverview(BatonClient client) {
        this.client = client;
    }

    /** A queue and its counts; null stats: deleted between the listing and its stats. */
    private record Row(String name, QueueStats stats) {}

    CompletableFuture<Reply> page(String project, String marker, int limit) {
        BatonClient c = client.withProject(project);
        return c.listQueuesAsync(marker, limit, false).thenCompose(queues -> {
            List<CompletableFuture<Row>> rows = queues.stream().map(QueueEntry::name)
                    .map(name -> c.statsAsync(name).thenApply(s -> new Row(name, s)).exceptionally(e -> deleted(name, e)))
                    .toList();
            return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new)).thenApply(v -> ConsoleJson.ok(g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("queues");
                for (CompletableFuture<Row> f : rows) {
                    Row r = f.join();
                    if (r.stats() == null) {
                        continue;
                    }
                    QueueStats s = r.stats();
                    g.writeStartObject();
                    g.writeStringField("name", r.name());
                    g.writeNumberField("free", s.free());
                    g.writeNumberField("claimed", s.claimed());
                    g.writeNumberField("delayed", s.delayed());
                    g.writeNumberField("total", s.total());
                    if (s.total() > 0 && s.oldest() != null) {
                        g.writeNumberField("oldest_age", Math.max(0, s.oldest().ageSeconds()));
                    } else {
                        g.writeNullField("oldest_age");
                    }
                    writeRates(g, s.rates());
                    g.writeEndObject();
                }
                g.writeEndArray();
                // Only a full page may have more after it.
                g.writeStringField("next", queues.size() == limit ? queues.get(queues.size() - 1).name() : null);
                g.writeEndObject();
            }));
        });
    }

    /** The queue's recent traffic: {@code bucket_ms}, and per bucket, oldest first, {@code posted}, {@code deleted} and {@code dead_lettered}. */
    static void writeRates(com.fasterxml.jackson.core.JsonGenerator g, QueueStats.Rates rates) throws java.io.IOException {
        g.writeObjectFieldStart("rates");
        g.writeNumberField("bucket_ms", rates.bucket().toMillis());
        g.writeNumberField("end_ms", rates.end().toEpochMilli());
        for (var series : List.of(java.util.Map.entry("posted", rates.posted()), java.util.Map.entry("deleted", rates.deleted()),
                java.util.Map.entry("dead_lettered", rates.deadLettered()))) {
            g.writeArrayFieldStart(series.getKey());
            for (int n : series.getValue()) {
                g.writeNumber(n);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static Row deleted(String name, Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof BatonException b && b.code() == ErrorCode.NOT_FOUND) {
            return new Row(name, null);
        }
        throw e instanceof RuntimeException r ? r : new CompletionException(e);
    }
}
