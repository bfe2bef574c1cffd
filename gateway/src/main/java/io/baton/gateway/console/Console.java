package io.baton.gateway.console;

import io.baton.api.QueueNames;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.http.HttpApi;
import io.baton.gateway.http.Reply;
import io.baton.gateway.http.Request;
import io.baton.sdk.BatonClient;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway's HTTP API with the console in front: paths under {@code /console} are the
 * console's (its files, and {@code /console/api}), every other request goes to the v1 API as is.
 *
 * <p>The console's own endpoints check the same token and project as the v1 API, with the same
 * {@link Authenticator}, and act for that project only; its pages change queues and messages
 * through the v1 API itself.
 */
public final class Console implements HttpApi {
    private static final String PREFIX = "/console";
    private static final String API = PREFIX + "/api/";

    private final HttpApi v1;
    private final Authenticator auth;
    private final ConsoleAssets assets = ConsoleAssets.load();
    private final MessageBrowser messages;
    private final QueueOverview queues;
    private final DeadLetters deadLetters;
    private final ClusterView cluster;
    private final Purge purge;

    public Console(HttpApi v1, Authenticator auth, BatonClient client) {
        this.v1 = v1;
        this.auth = auth;
        this.messages = new MessageBrowser(client);
        this.queues = new QueueOverview(client);
        this.deadLetters = new DeadLetters(client);
        this.cluster = new ClusterView(client);
        this.purge = new Purge(client);
    }

    @Override
    public Reply checkHead(String method, String uri, Request.Headers headers) {
        if (!isConsole(uri)) {
            return v1.checkHead(method, uri, headers);
        }
        return methodCheck(method, uri, headers);
    }

    /**
     * GET and HEAD everywhere; POST where the console changes something, and only with a JSON
     * body: a cross-site form cannot send one without the browser asking this origin first.
     */
    private static Reply methodCheck(String method, String uri, Request.Headers headers) {
        if (readOnly(method)) {
            return null;
        }
        if (!method.equals("POST") || !isAction(uri)) {
            return methodNotAllowed(method, uri);
        }
        String type = headers.get("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return ConsoleJson.error(415, "Unsupported media type", "Send the body as application/json.");
        }
        return null;
    }

    /** The console's POST endpoints: a queue's redrive and purge. */
    private static boolean isAction(String uri) {
        String path = uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
        return path.startsWith(API + "queues/") && (path.endsWith("/redrive") || path.endsWith("/purge"));
    }

    @Override
    public Reply bodyTooLarge(String method, String uri) {
        if (!isConsole(uri)) {
            return v1.bodyTooLarge(method, uri);
        }
        return readOnly(method) || (method.equals("POST") && isAction(uri))
                ? ConsoleJson.error(413, "Request too large", "The body is larger than any console request needs.")
                : methodNotAllowed(method, uri);
    }

    @Override
    public Reply malformed(String reason) {
        return v1.malformed(reason);
    }

    @Override
    public Reply requestTimeout() {
        return v1.requestTimeout();
    }

    @Override
    public int maxBodyBytes() {
        return v1.maxBodyBytes();
    }

    @Override
    public CompletableFuture<Reply> handle(Request request) {
        if (!isConsole(request.uri())) {
            return v1.handle(request);
        }
        Reply refused = methodCheck(request.method(), request.uri(), request.headers());
        if (refused != null) {
            return CompletableFuture.completedFuture(refused);
        }
        CompletableFuture<Reply> reply;
        try {
            reply = route(request);
        } catch (RuntimeException e) {
            reply = CompletableFuture.completedFuture(ConsoleJson.failure(e));
        }
        return reply.exceptionally(ConsoleJson::failure)
                .thenApply(r -> request.method().equals("HEAD") ? r.withoutBody() : r);
    }

    private CompletableFuture<Reply> route(Request request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        if (!path.startsWith(API)) {
            Reply file = assets.get(path);
            return CompletableFuture.completedFuture(file != null ? file
                    : ConsoleJson.error(404, "Not found", "There is no console page at this path."));
        }
        String project = project(request.headers());
        String[] parts = path.substring(API.length()).split("/", -1);
        if (parts.length == 1 && parts[0].equals("session")) {
            return CompletableFuture.completedFuture(ConsoleJson.ok(g -> {
                g.writeStartObject();
                g.writeStringField("project", project);
                g.writeBooleanField("tokens", auth.required());
                g.writeEndObject();
            }));
        }
        Map<String, String> params = query(uri);
        if (parts.length == 1 && parts[0].equals("queues")) {
            String marker = params.get("marker");
            if (marker != null && !QueueNames.isValid(marker)) {
                throw new ConsoleJson.Refusal(400, "Invalid query parameter", "marker must be a queue name.");
            }
            return queues.page(project, marker, limit(params.get("limit"), QueueOverview.PAGE_MAX));
        }
        if (parts.length == 1 && parts[0].equals("dead-letters")) {
            return deadLetters.list(project);
        }
        if (parts.length == 1 && parts[0].equals("overview")) {
            return cluster.overview(project);
        }
        if (parts.length == 1 && parts[0].equals("workers")) {
            return cluster.workers(project);
        }
        if (parts.length == 3 && parts[0].equals("queues") && (parts[2].equals("redrive") || parts[2].equals("purge"))) {
            if (!request.method().equals("POST")) {
                return CompletableFuture.completedFuture(methodNotAllowed(request.method(), uri));
            }
            return parts[2].equals("redrive") ? deadLetters.redrive(project, queueName(parts[1]), request.body())
                    : purge.purge(project, queueName(parts[1]), request.body());
        }
        if (parts.length == 3 && parts[0].equals("queues") && parts[2].equals("messages")) {
            return messages.page(project, queueName(parts[1]), params.get("marker"), limit(params.get("limit"), MessageBrowser.PAGE_MAX));
        }
        throw new ConsoleJson.Refusal(404, "Not found", "There is no console endpoint at this path.");
    }

    private static String queueName(String encoded) {
        String queue = decode(encoded);
        if (!QueueNames.isValid(queue)) {
            throw new ConsoleJson.Refusal(400, "Invalid queue identification", QueueNames.NAME_RULE);
        }
        return queue;
    }

    /** The project the request's token may act in, as the v1 API decides it; refused otherwise. */
    private String project(Request.Headers headers) {
        String project = headers.get("X-Project-Id");
        if (project != null && !QueueNames.isValidProject(project)) {
            throw new ConsoleJson.Refusal(400, "Invalid queue identification", "X-Project-Id: " + QueueNames.PROJECT_RULE);
        }
        Authenticator.Decision d = auth.decide(headers.get("X-Auth-Token"), project);
        if (d instanceof Authenticator.Decision.Refused r) {
            throw new ConsoleJson.Refusal(r.status(), r.status() == 401 ? "Authentication required"
                    : r.status() == 403 ? "Not authorized" : "Invalid queue identification", r.description());
        }
        return ((Authenticator.Decision.Allowed) d).project();
    }

    private static int limit(String value, int max) {
        if (value == null) {
            return max;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ConsoleJson.Refusal(400, "Invalid query parameter", "limit must be 1-" + max + ".");
    }

    /** The first value of each query parameter, decoded (Netty's decoder, as the v1 API's). */
    private static Map<String, String> query(String uri) {
        Map<String, String> out = new HashMap<>();
        try {
            new QueryStringDecoder(uri).parameters().forEach((k, v) -> out.put(k, v.get(0)));
        } catch (IllegalArgumentException e) {
            throw new ConsoleJson.Refusal(400, "Invalid API request", "The query is not valid percent-encoding.");
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return QueryStringDecoder.decodeComponent(s);
        } catch (IllegalArgumentException e) {
            throw new ConsoleJson.Refusal(400, "Invalid API request", "The path is not valid percent-encoding.");
        }
    }

    private static boolean isConsole(String uri) {
        return uri.equals(PREFIX) || uri.startsWith(PREFIX + "/") || uri.startsWith(PREFIX + "?");
    }

    private static boolean readOnly(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }

    private static Reply methodNotAllowed(String method, String uri) {
        String allowed = isAction(uri) ? "POST" : "GET, HEAD";
        return ConsoleJson.error(405, "Method not allowed", "This console resource answers " + allowed + ", not " + method + ".")
                .withHeader("Allow", allowed);
    }
}
