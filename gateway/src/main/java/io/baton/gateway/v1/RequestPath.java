package io.baton.gateway.v1;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A request path matched against the route table (spec 1.1, 2.1): the route, the project named in
 * the path (the per-tenant form {@code /v1/{project_id}/queues/...}) and the queue and id segments,
 * percent-decoded one segment at a time (so an encoded '/' stays inside its segment).
 */
record RequestPath(Route route, String pathProject, String queue, String id) {
    /** The path matched no route: 404. */
    static final class Unknown extends Exception {
        Unknown() {
            super(null, null, false, false);
        }
    }

    /** A segment's percent-encoding is broken: 400. */
    static final class Undecodable extends Exception {
        Undecodable() {
            super(null, null, false, false);
        }
    }

    static RequestPath parse(String uri) throws Unknown, Undecodable {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (path.equals("/v1") || path.equals("/v1/")) {
            return new RequestPath(Route.HOME, null, null, null);
        }
        if (!path.startsWith("/v1/")) {
            throw new Unknown();
        }
        List<String> segs = new ArrayList<>(List.of(path.substring(4).split("/", -1)));
        if (segs.size() > 1 && segs.get(segs.size() - 1).isEmpty()) {
            segs.remove(segs.size() - 1); // one trailing slash is tolerated
        }
        String project = null;
        String first = segs.get(0);
        if (!first.equals("queues") && !first.equals("health")) {
            project = decode(first);
            segs.remove(0);
            if (segs.isEmpty()) {
                return new RequestPath(Route.HOME, project, null, null);
            }
        }
        String head = segs.get(0);
        int n = segs.size();
        if (head.equals("health") && n == 1) {
            return new RequestPath(Route.HEALTH, project, null, null);
        }
        if (!head.equals("queues")) {
            throw new Unknown();
        }
        if (n == 1) {
            return new RequestPath(Route.QUEUES, project, null, null);
        }
        String queue = decode(segs.get(1));
        if (n == 2) {
            return new RequestPath(Route.QUEUE, project, queue, null);
        }
        String sub = segs.get(2);
        if (n == 3) {
            Route r = switch (sub) {
                case "metadata" -> Route.METADATA;
                case "stats" -> Route.STATS;
                case "messages" -> Route.MESSAGES;
                case "claims" -> Route.CLAIMS;
                default -> throw new Unknown();
            };
            return new RequestPath(r, project, queue, null);
        }
        if (n == 4 && (sub.equals("messages") || sub.equals("claims"))) {
            return new RequestPath(sub.equals("messages") ? Route.MESSAGE : Route.CLAIM, project, queue, decode(segs.get(3)));
        }
        throw new Unknown();
    }

    private static String decode(String segment) throws Undecodable {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            // decodeComponent follows query rules ('+' is a space); in a path '+' is itself.
            return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Undecodable();
        }
    }
}
