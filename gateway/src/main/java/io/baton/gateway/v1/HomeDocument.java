package io.baton.gateway.v1;

import com.fasterxml.jackson.core.JsonGenerator;
import io.baton.gateway.http.Reply;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/}: the JSON-home document (spec 2.2), built once. */
final class HomeDocument {
    private HomeDocument() {}

    private record Relation(String rel, String template, Map<String, String> vars, List<String> allow, boolean post) {}

    private static final List<Relation> RELATIONS = List.of(
            new Relation("rel/queues", "/v1/queues{?marker,limit,detailed}",
                    Map.of("marker", "param/marker", "limit", "param/queue_limit", "detailed", "param/detailed"),
                    List.of("GET"), false),
            new Relation("rel/queue", "/v1/queues/{queue_name}", Map.of("queue_name", "param/queue_name"),
                    List.of("GET", "HEAD", "PUT", "DELETE"), false),
            new Relation("rel/queue-metadata", "/v1/queues/{queue_name}/metadata", Map.of("queue_name", "param/queue_name"),
                    List.of("GET", "PUT"), false),
            new Relation("rel/queue-stats", "/v1/queues/{queue_name}/stats", Map.of("queue_name", "param/queue_name"),
                    List.of("GET"), false),
            new Relation("rel/messages", "/v1/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
                    Map.of("queue_name", "param/queue_name", "marker", "param/marker", "limit", "param/messages_limit",
                            "echo", "param/echo", "include_claimed", "param/include_claimed"),
                    List.of("GET"), false),
            new Relation("rel/post-messages", "/v1/queues/{queue_name}/messages", Map.of("queue_name", "param/queue_name"),
                    List.of("POST"), true),
            new Relation("rel/claim", "/v1/queues/{queue_name}/claims{?limit}",
                    Map.of("queue_name", "param/queue_name", "limit", "param/claim_limit"), List.of("POST"), true));

    private static final byte[] BODY = Json.write(g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("resources");
        for (Relation r : RELATIONS) {
            write(g, r);
        }
        g.writeEndObject();
        g.writeEndObject();
    });

    private static void write(JsonGenerator g, Relation r) throws IOException {
        g.writeObjectFieldStart(r.rel());
        g.writeStringField("href-template", r.template());
        g.writeObjectFieldStart("href-vars");
        for (Map.Entry<String, String> v : new java.util.TreeMap<>(r.vars()).entrySet()) {
            g.writeStringField(v.getKey(), v.getValue());
        }
        g.writeEndObject();
        g.writeObjectFieldStart("hints");
        g.writeArrayFieldStart("allow");
        for (String m : r.allow()) {
            g.writeString(m);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("formats");
        g.writeObjectFieldStart("application/json");
        g.writeEndObject();
        g.writeEndObject();
        if (r.post()) {
            g.writeArrayFieldStart("accept-post");
            g.writeString("application/json");
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    static Reply reply() {
        return new Reply(200, "application/json-home", List.of(Map.entry("Cache-Control", "max-age=86400")), BODY);
    }
}
