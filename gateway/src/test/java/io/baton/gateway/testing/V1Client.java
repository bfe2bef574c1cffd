package io.baton.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A plain HTTP client for v1 tests (the JDK's), acting as one project with one Client-ID by
 * default. Headers given to a call override the defaults; a null value removes one.
 */
public final class V1Client {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final HttpClient http;
    private final Map<String, String> defaults = new LinkedHashMap<>();

    V1Client(String base, String project) {
        this(base, project, HTTP);
    }

    /** Over {@code http} (an HTTPS client trusting a test CA, say). */
    V1Client(String base, String project, HttpClient http) {
        this.base = base;
        this.http = http;
        if (project != null) {
            defaults.put("X-Project-Id", project);
        }
        defaults.put("Client-ID", UUID.randomUUID().toString());
    }

    /** This client with another default header (null removes it). */
    public V1Client with(String header, String value) {
        V1Client c = new V1Client(base, null, http);
        c.defaults.clear();
        c.defaults.putAll(defaults);
        if (value == null) {
            c.defaults.remove(header);
        } else {
            c.defaults.put(header, value);
        }
        return c;
    }

    public String clientId() {
        return defaults.get("Client-ID");
    }

    public Resp get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    public Resp head(String path, String... headers) {
        return send("HEAD", path, null, headers);
    }

    public Resp put(String path, String body, String... headers) {
        return send("PUT", path, body, headers);
    }

    public Resp post(String path, String body, String... headers) {
        return send("POST", path, body, headers);
    }

    public Resp patch(String path, String body, String... headers) {
        return send("PATCH", path, body, headers);
    }

    public Resp delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    /** {@code headers} are name, value pairs; a null value drops a default header. */
    public Resp send(String method, String path, String body, String... headers) {
        Map<String, String> h = new LinkedHashMap<>(defaults);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            if (headers[i + 1] == null) {
                h.remove(headers[i]);
            } else {
                h.put(headers[i], headers[i + 1]);
            }
        }
        if (body != null && !h.containsKey("Content-Type")) {
            h.put("Content-Type", "application/json");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        h.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Resp(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response: status, headers, body text, and the body as JSON. */
    public record Resp(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
