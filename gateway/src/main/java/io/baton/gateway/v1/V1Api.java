package io.baton.gateway.v1;

import io.baton.api.ClientIds;
import io.baton.api.ErrorCode;
import io.baton.api.Limits;
import io.baton.api.QueueNames;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.http.HttpApi;
import io.baton.gateway.http.Reply;
import io.baton.gateway.http.Request;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Cloud Queues v1 API over {@link BatonClient}. Every request goes through the spec's
 * validation order (1.7), first failure wins:
 *
 * <ol>
 *   <li>Accept (406), then the route: unknown path 404;
 *   <li>form-encoded body (400), Client-ID format (400), project id (400), queue name (400),
 *       then the method (405);
 *   <li>authentication (401/403);
 *   <li>Client-ID presence where required (400), body size (400);
 *   <li>in the resource: JSON syntax, shape and types, value ranges (400), then existence and
 *       state (404/403), decided by the broker.
 * </ol>
 *
 * <p>Steps 1–4 need only the request head, so they also run for a request whose body is over the
 * server's cap ({@link #checkHead}): a bad queue name still wins over an oversized body.
 *
 * <p>Nothing here blocks: broker calls return futures, and replies complete on gRPC threads.
 */
public final class V1Api implements HttpApi {
    private static final Logger log = LoggerFactory.getLogger(V1Api.class);

    private final BatonClient client;
    private final Authenticator auth;
    private final RouteMetrics metrics;
    private final QueueResources queues;
    private final MessageResources messages;
    private final ClaimResources claims;

    public V1Api(BatonClient client, Authenticator auth, MeterRegistry registry) {
        this.client = client;
        this.auth = auth;
        this.metrics = new RouteMetrics(registry);
        this.queues = new QueueResources(client);
        this.messages = new MessageResources();
        this.claims = new ClaimResources();
    }

    /** The outcome of the head checks: the call's coordinates, or the error to send. */
    private record Head(RequestPath path, String project, UUID clientId) {}

    @Override
    public int maxBodyBytes() {
        return Limits.POST_BODY_MAX_BYTES;
    }

    @Override
    public Reply checkHead(String method, String uri, Request.Headers headers) {
        try {
            checkHeadOrThrow(method, uri, headers);
            return null;
        } catch (V1Error | MethodNotAllowed e) {
            return errorReply(e, method);
        }
    }

    @Override
    public Reply bodyTooLarge(String method, String uri) {
        Route route = null;
        try {
            route = RequestPath.parse(uri).route();
        } catch (RequestPath.Unknown | RequestPath.Undecodable e) {
            // reported as too large anyway
        }
        int limit = route != null && route.maxBodyBytes() > 0 ? route.maxBodyBytes() : maxBodyBytes();
        Reply r = errorReply(V1Error.invalid("The request body may not be larger than " + limit + " bytes."), method);
        metrics.record(method, route, r.status(), System.nanoTime());
        return r;
    }

    @Override
    public Reply requestTimeout() {
        return errorReply(new V1Error(408, "Request timeout", "The request did not arrive in time; send it again."), "GET");
    }

    @Override
    public Reply malformed(String reason) {
        return errorReply(new V1Error(400, "Malformed request", "The HTTP request could not be parsed: " + reason), "GET");
    }

    private Head checkHeadOrThrow(String method, String uri, Request.Headers headers) {
        if (!acceptsJson(headers.getAll("Accept"))) {
            throw new V1Error(406, "Media type not acceptable", "This API only answers in JSON (application/json).");
        }
        RequestPath path;
        try {
            path = RequestPath.parse(uri);
        } catch (RequestPath.Unknown e) {
            throw V1Error.notFound("There is no resource at this path.");
        } catch (RequestPath.Undecodable e) {
            throw V1Error.identification("The path is not valid percent-encoding.");
        }
        String contentType = headers.get("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
                && hasBody(headers)) {
            throw V1Error.body("Form-encoded bodies are not accepted: send JSON with Content-Type: application/json.");
        }
        UUID clientId = null;
        if (headers.contains("Client-ID")) {
            clientId = ClientIds.parse(headers.get("Client-ID"));
            if (clientId == null) {
                throw new V1Error(400, V1Error.WRONG_UUID, "Malformed hexadecimal UUID.");
            }
        }
        String project = project(path, headers);
        if (path.route().namesQueue() && !QueueNames.isValid(path.queue())) {
            throw V1Error.identification(QueueNames.NAME_RULE);
        }
        // After the queue name: a bad name is a 400 "whatever the method" (spec 1.5).
        if (!path.route().allows(method)) {
            throw new MethodNotAllowed(path.route());
        }
        boolean liveness = path.route() == Route.HEALTH && method.equals("HEAD");
        if (!liveness) {
            Authenticator.Decision d = auth.decide(headers.get("X-Auth-Token"), project);
            boolean needsProject = path.route() != Route.HOME && path.route() != Route.HEALTH;
            if (d instanceof Authenticator.Decision.Refused r && (needsProject || r.status() != 400)) {
                throw new V1Error(r.status(), r.status() == 401 ? "Authentication required"
                        : r.status() == 403 ? "Not authorized" : V1Error.INVALID_IDENTIFICATION, r.description());
            }
            project = d instanceof Authenticator.Decision.Allowed a ? a.project() : null;
        }
        if (clientId == null && requiresClientId(method, path.route(), uri)) {
            throw new V1Error(400, V1Error.MISSING_HEADER, "The \"Client-ID\" header is required.");
        }
        long length = contentLength(headers);
        int limit = path.route().maxBodyBytes();
        if (limit > 0 && length > limit) {
            throw V1Error.invalid("The request body may not be larger than " + limit + " bytes.");
        }
        return new Head(path, project, clientId);
    }

    /** The project from the path or X-Project-Id (null: none named); both named and different is a 400. */
    private static String project(RequestPath path, Request.Headers headers) {
        String header = headers.get("X-Project-Id");
        if (header != null && (header.isEmpty() || header.length() > Limits.PROJECT_ID_MAX_LENGTH)) {
            throw V1Error.identification("X-Project-Id: " + QueueNames.PROJECT_RULE);
        }
        String fromPath = path.pathProject();
        if (fromPath != null) {
            if (!QueueNames.isValidProject(fromPath)) {
                throw V1Error.identification("The project id in the path: " + QueueNames.PROJECT_RULE);
            }
            if (header != null && !header.equals(fromPath)) {
                throw V1Error.identification("The project id in the path and the X-Project-Id header differ.");
            }
            return fromPath;
        }
        return header;
    }

    private static boolean requiresClientId(String method, Route route, String uri) {
        if (route != Route.MESSAGES) {
            return false;
        }
        return method.equals("POST") || (method.equals("GET") && !Params.of(uri).has("ids"));
    }

    private static boolean hasBody(Request.Headers headers) {
        return contentLength(headers) > 0 || headers.contains("Transfer-Encoding");
    }

    private static long contentLength(Request.Headers headers) {
        String v = headers.get("Content-Length");
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0; // the HTTP codec has already refused a malformed length
        }
    }

    /** True unless an Accept header is present and admits no JSON (spec 1.2). */
    static boolean acceptsJson(java.util.List<String> accepts) {
        if (accepts == null || accepts.isEmpty()) {
            return true;
        }
        for (String header : accepts) {
            for (String range : header.split(",")) {
                String[] parts = range.split(";");
                String type = parts[0].trim().toLowerCase(Locale.ROOT);
                if (type.isEmpty()) {
                    continue;
                }
                double q = 1;
                for (int i = 1; i < parts.length; i++) {
                    String param = parts[i].trim().toLowerCase(Locale.ROOT);
                    if (param.startsWith("q=")) {
                        try {
                            q = Double.parseDouble(param.substring(2).trim());
                        } catch (NumberFormatException e) {
                            q = 0;
                        }
                    }
                }
                if (q > 0 && (type.equals("*/*") || type.equals("application/*") || type.equals("application/json"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<Reply> handle(Request request) {
        long start = System.nanoTime();
        String method = request.method();
        Route route = null;
        CompletableFuture<Reply> reply;
        try {
            Head head = checkHeadOrThrow(method, request.uri(), request.headers());
            route = head.path().route();
            int limit = route.maxBodyBytes();
            if (limit > 0 && request.body().length > limit) {
                throw V1Error.invalid("The request body may not be larger than " + limit + " bytes.");
            }
            BatonClient scoped = head.path().route() == Route.HOME || head.path().route() == Route.HEALTH
                    ? client : client.withProject(head.project());
            if (head.clientId() != null) {
                scoped = scoped.withClientId(head.clientId());
            }
            Call call = new Call(method, head.path(), request.uri(), Params.of(request.uri()), scoped, head.clientId(), request.body());
            reply = dispatch(call).exceptionally(e -> errorReply(e, method));
        } catch (RuntimeException e) {
            reply = CompletableFuture.completedFuture(errorReply(e, method));
        }
        Route finalRoute = route;
        return reply.thenApply(r -> {
            metrics.record(method, finalRoute, r.status(), start);
            return method.equals("HEAD") ? r.withoutBody() : r;
        });
    }

    private CompletableFuture<Reply> dispatch(Call c) {
        String m = c.method();
        return switch (c.path().route()) {
            case HOME -> CompletableFuture.completedFuture(HomeDocument.reply());
            case HEALTH -> m.equals("HEAD") ? CompletableFuture.completedFuture(Reply.empty(204)) : queues.health();
            case QUEUES -> queues.list(c);
            case QUEUE -> switch (m) {
                case "PUT" -> queues.create(c);
                case "DELETE" -> queues.delete(c);
                default -> queues.exists(c);
            };
            case METADATA -> m.equals("PUT") ? queues.setMetadata(c) : queues.getMetadata(c);
            case STATS -> queues.stats(c);
            case MESSAGES -> switch (m) {
                case "POST" -> messages.post(c);
                case "DELETE" -> messages.deleteByIds(c);
                default -> c.params().has("ids") ? messages.getByIds(c) : messages.list(c);
            };
            case MESSAGE -> m.equals("DELETE") ? messages.delete(c) : messages.get(c);
            case CLAIMS -> claims.create(c);
            case CLAIM -> switch (m) {
                case "PATCH" -> claims.renew(c);
                case "DELETE" -> claims.release(c);
                default -> claims.get(c);
            };
        };
    }

    /** A 405 carries the route's {@code Allow} header. */
    private static final class MethodNotAllowed extends RuntimeException {
        final Route route;

        MethodNotAllowed(Route route) {
            super(null, null, false, false);
            this.route = route;
        }
    }

    private Reply errorReply(Throwable t, String method) {
        Throwable e = Missing.cause(t);
        if (e instanceof MethodNotAllowed m) {
            return Reply.json(405, Json.error("Method not allowed", "This resource does not support " + method + "."))
                    .withHeader("Allow", m.route.allowHeader());
        }
        if (e instanceof V1Error v) {
            return Reply.json(v.status(), Json.error(v.title(), v.description()));
        }
        if (e instanceof BatonException b) {
            ErrorCode code = b.code();
            if (code == ErrorCode.RESOURCE_EXHAUSTED) {
                // A limit, not an outage: say which, and ask for a longer pause than for a moving slot.
                return Reply.json(503, Json.error(V1Error.UNAVAILABLE, b.getMessage())).withHeader("Retry-After", "5");
            }
            if (code.next() == ErrorCode.NextStep.RETRY || code.next() == ErrorCode.NextStep.REDIRECT) {
                // The reason is worth passing on (a slot whose storage failed, a broker that could
                // not be reached); a redirect that never settled is just "unreachable" to a REST client.
                V1Error u = code == ErrorCode.UNAVAILABLE && b.getMessage() != null
                        ? new V1Error(503, V1Error.UNAVAILABLE, b.getMessage())
                        : V1Error.unavailable("The broker could not be reached.");
                return Reply.json(503, Json.error(u.title(), u.description())).withHeader("Retry-After", "1");
            }
            if (code == ErrorCode.INTERNAL) {
                log.error("broker reported an internal error", b);
            }
            return Reply.json(code.httpStatus(), Json.error(code.httpTitle(), b.getMessage()));
        }
        log.error("bug answering a v1 request", e);
        return Reply.json(500, Json.error("Internal server error", "An unexpected error occurred; it has been logged."));
    }
}
