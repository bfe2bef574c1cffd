package io.baton.gateway.v1;

import java.util.Set;

/**
 * The v1 route table (spec 2.1). Each route names its path template (also the metrics label), the
 * methods it allows, whether it names a queue, and the largest body it takes.
 */
enum Route {
    HOME("/v1/", Set.of("GET", "HEAD"), false, 0),
    HEALTH("/v1/health", Set.of("GET", "HEAD"), false, 0),
    QUEUES("/v1/queues", Set.of("GET"), false, 0),
    QUEUE("/v1/queues/{queue}", Set.of("GET", "HEAD", "PUT", "DELETE"), true, 0),
    METADATA("/v1/queues/{queue}/metadata", Set.of("GET", "PUT"), true, io.baton.api.Limits.METADATA_MAX_BYTES),
    STATS("/v1/queues/{queue}/stats", Set.of("GET"), true, 0),
    MESSAGES("/v1/queues/{queue}/messages", Set.of("GET", "POST", "DELETE"), true, io.baton.api.Limits.POST_BODY_MAX_BYTES),
    MESSAGE("/v1/queues/{queue}/messages/{message_id}", Set.of("GET", "DELETE"), true, 0),
    CLAIMS("/v1/queues/{queue}/claims", Set.of("POST"), true, 65_536),
    CLAIM("/v1/queues/{queue}/claims/{claim_id}", Set.of("GET", "PATCH", "DELETE"), true, 65_536);

    private final String template;
    private final Set<String> methods;
    private final boolean namesQueue;
    private final int maxBodyBytes;

    Route(String template, Set<String> methods, boolean namesQueue, int maxBodyBytes) {
        this.template = template;
        this.methods = methods;
        this.namesQueue = namesQueue;
        this.maxBodyBytes = maxBodyBytes;
    }

    String template() {
        return template;
    }

    boolean allows(String method) {
        return methods.contains(method);
    }

    /** The {@code Allow} header of a 405, in a stable order. */
    String allowHeader() {
        return String.join(", ", methods.stream().sorted().toList());
    }

    boolean namesQueue() {
        return namesQueue;
    }

    /** The largest body the route reads (0: it reads none, so any body is ignored up to the server's cap). */
    int maxBodyBytes() {
        return maxBodyBytes;
    }
}
