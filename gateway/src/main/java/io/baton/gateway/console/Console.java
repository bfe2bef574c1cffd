package io.baton.gateway.console;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.baton.api.QueueNames;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.http.HttpApi;
import io.baton.gateway.http.Reply;
import io.baton.gateway.http.Request;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway's HTTP API with the console in front: paths under {@code /console} are the
 * console's (its files, and {@code /console/api}), every other request goes to the v1 API as is.
 *
 * <p>The console's own endpoints check the same token and project as the v1 API, with the same
 * {@link Authenticator}; its pages read and change queues through the v1 API itself.
 */
public final class Console implements HttpApi {
    private static final String PREFIX = "/console";
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpApi v1;
    private final Authenticator auth;
    private final ConsoleAssets assets = ConsoleAssets.load();

    public Console(HttpApi v1, Authenticator auth) {
        this.v1 = v1;
        this.auth = auth;
    }

    @Override
    public Reply checkHead(String method, String uri, Request.Headers headers) {
        if (!isConsole(uri)) {
            return v1.checkHead(method, uri, headers);
        }
        return readOnly(method) ? null : methodNotAllowed(method);
    }

    @Override
    public Reply bodyTooLarge(String method, String uri) {
        if (!isConsole(uri)) {
            return v1.bodyTooLarge(method, uri);
        }
        return readOnly(method) ? error(413, "Request too large", "Console requests carry no body.") : methodNotAllowed(method);
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
        if (!readOnly(request.method())) {
            return CompletableFuture.completedFuture(methodNotAllowed(request.method()));
        }
        String path = path(request.uri());
        Reply reply;
        if (path.equals(PREFIX + "/api/session")) {
            reply = session(request.headers());
        } else {
            Reply file = assets.get(path);
            reply = file != null ? file : error(404, "Not found", "There is no console page at this path.");
        }
        return CompletableFuture.completedFuture(request.method().equals("HEAD") ? reply.withoutBody() : reply);
    }

    /**
     * Whether the token may act in the project, and whether tokens are needed at all: what the
     * sign-in form checks before it shows a project's queues.
     */
    private Reply session(Request.Headers headers) {
        String project = headers.get("X-Project-Id");
        if (project != null && !QueueNames.isValidProject(project)) {
            return error(400, "Invalid queue identification", "X-Project-Id must be 1-256 characters.");
        }
        Authenticator.Decision d = auth.decide(headers.get("X-Auth-Token"), project);
        if (d instanceof Authenticator.Decision.Refused r) {
            return error(r.status(), r.status() == 401 ? "Authentication required"
                    : r.status() == 403 ? "Not authorized" : "Invalid queue identification", r.description());
        }
        String allowed = ((Authenticator.Decision.Allowed) d).project();
        return Reply.json(200, json(g -> {
            g.writeStartObject();
            g.writeStringField("project", allowed);
            g.writeBooleanField("tokens", auth.required());
            g.writeEndObject();
        })).withHeader("Cache-Control", "no-store");
    }

    private static boolean isConsole(String uri) {
        return uri.equals(PREFIX) || uri.startsWith(PREFIX + "/") || uri.startsWith(PREFIX + "?");
    }

    private static String path(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private static boolean readOnly(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }

    private static Reply methodNotAllowed(String method) {
        return error(405, "Method not allowed", "The console's resources only answer GET and HEAD, not " + method + ".")
                .withHeader("Allow", "GET, HEAD");
    }

    private static Reply error(int status, String title, String description) {
        return Reply.json(status, json(g -> {
            g.writeStartObject();
            g.writeStringField("title", title);
            g.writeStringField("description", description);
            g.writeEndObject();
        }));
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(128); JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
