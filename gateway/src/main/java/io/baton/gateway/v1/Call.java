package io.baton.gateway.v1;

import io.baton.sdk.BatonClient;
import java.util.UUID;

/**
 * A request that passed every check that precedes its body (spec 1.7): the matched path, the
 * client acting in the request's project, the Client-ID if one was sent, the query, the body.
 */
record Call(String method, RequestPath path, String uri, Params params, BatonClient client, UUID clientId,
        byte[] body) {
    /** The path as the client sent it (for Content-Location). */
    String rawPath() {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** The path and query as the client sent them (Content-Location of list pages). */
    String rawPathAndQuery() {
        return uri;
    }

    String queue() {
        return path.queue();
    }

    String id() {
        return path.id();
    }
}
