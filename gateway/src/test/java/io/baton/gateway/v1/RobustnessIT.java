package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Thousands of malformed requests, each with at least one defect the spec says must be refused:
 * every answer is a 4xx with the v1 JSON error body, never a 5xx; the server stays up; and the
 * queue they aim at is exactly as it was. Seeded: a failure names the seed and the request.
 */
@ExtendWith(Standalone.Shared.class)
class RobustnessIT {
    private static final long SEED = Long.getLong("robustness.seed", 0x5eedL);
    private static final int REQUESTS = 3000;

    private Random rnd;
    private String project;
    private String queue;
    private List<String> ids;
    private String claimId;

    /** One request to send, described well enough to reproduce. */
    private record Attempt(String method, String path, String body, List<String> headers, String defect) {}

    @Test
    void malformedRequestsGetFourHundredsAndChangeNothing(Standalone s) throws Exception {
        rnd = new Random(SEED);
        project = "p-robust-" + UUID.randomUUID();
        queue = "target";
        V1Client owner = s.client(project);
        owner.put("/v1/queues/" + queue, null);
        owner.put("/v1/queues/" + queue + "/metadata", "{\"keep\": true}");
        V1Client.Resp posted = owner.post("/v1/queues/" + queue + "/messages",
                "[{\"ttl\": 3600, \"body\": 1}, {\"ttl\": 3600, \"body\": 2}, {\"ttl\": 3600, \"body\": 3}]");
        ids = new ArrayList<>();
        posted.json().path("resources").forEach(h -> ids.add(h.asText().substring(h.asText().lastIndexOf('/') + 1)));
        String loc = owner.post("/v1/queues/" + queue + "/claims?limit=1", "{\"ttl\": 3600, \"grace\": 60}").header("Location");
        claimId = loc.substring(loc.lastIndexOf('/') + 1);
        String before = snapshot(owner);

        V1Client c = s.client(project);
        for (int i = 0; i < REQUESTS; i++) {
            Attempt a = next();
            V1Client.Resp r = c.send(a.method(), a.path(), a.body(), a.headers().toArray(String[]::new));
            String what = "seed " + SEED + " #" + i + " [" + a.defect() + "] " + a.method() + " " + a.path() + " "
                    + a.headers() + " body=" + abbreviate(a.body()) + " -> " + r;
            assertThat(r.status()).as(what).isBetween(400, 499);
            if (!a.method().equals("HEAD")) {
                assertThat(r.header("Content-Type")).as(what).startsWith("application/json");
                JsonNode err = r.json();
                assertThat(err.path("title").isTextual() && err.path("description").isTextual()).as(what).isTrue();
            }
        }
        rawProtocolAbuse(s);
        assertThat(c.get("/v1/health").status()).isEqualTo(204);
        assertThat(snapshot(owner)).isEqualTo(before);
    }

    private static String abbreviate(String body) {
        return body == null ? "null" : body.length() > 120 ? body.substring(0, 120) + "...(" + body.length() + ")" : body;
    }

    private static String snapshot(V1Client owner) {
        String q = "/v1/queues/target";
        V1Client reader = owner.with("Client-ID", UUID.randomUUID().toString());
        return owner.get(q + "/stats").json().path("messages").toString().replaceAll("\"age\":\\d+,?", "")
                + reader.get(q + "/messages?include_claimed=true").body().replaceAll("\"age\":\\d+,?", "")
                + owner.get(q + "/metadata").body()
                + owner.get("/v1/queues").body();
    }

    // ------------------------------------------------------------------ generators

    private <T> T pick(List<T> options) {
        return options.get(rnd.nextInt(options.size()));
    }

    private String randomString(int max, boolean ascii) {
        int n = rnd.nextInt(max + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(ascii ? (char) (32 + rnd.nextInt(95)) : (char) (rnd.nextInt(0xD7FF) + 1));
        }
        return b.toString();
    }

    private String badJson() {
        String valid = pick(List.of("[{\"ttl\": 300, \"body\": {\"a\": [1, 2, {\"b\": null}]}}]", "{\"ttl\": 60, \"grace\": 60}",
                "{\"meta\": {\"deep\": [true, false]}}"));
        return switch (rnd.nextInt(10)) {
            case 0 -> valid.substring(0, 1 + rnd.nextInt(valid.length() - 1)); // truncated
            case 1 -> randomString(200, true);
            case 2 -> randomString(100, false);
            case 3 -> "[".repeat(300 + rnd.nextInt(2000));
            case 4 -> valid + " " + valid; // two documents
            case 5 -> valid.replace(":", "=");
            case 6 -> "{\"ttl\": " + "9".repeat(20 + rnd.nextInt(200)) + ", \"grace\": 60}";
            case 7 -> "";
            case 8 -> "\u0000\u0001\u0002";
            default -> valid.replace("\"", "'");
        };
    }

    /** Well-formed JSON whose shape, types or values are wrong for the route. */
    private String wrongDocument(Route route) {
        List<String> messages = List.of("{}", "\"x\"", "5", "null", "[]", "[1, 2]", "[{\"ttl\": \"300\", \"body\": 1}]",
                "[{\"ttl\": 300.5, \"body\": 1}]", "[{\"ttl\": -300, \"body\": 1}]", "[{\"ttl\": 300}]", "[{\"body\": 1}]",
                "[{\"ttl\": 59, \"body\": 1}]", "[{\"ttl\": 1209601, \"body\": 1}]", "[{\"ttl\": true, \"body\": 1}]",
                "[{\"ttl\": -9223372036854775808, \"body\": 1}]", "[null]", "[[{\"ttl\": 300, \"body\": 1}]]");
        List<String> leases = List.of("[]", "\"fail\"", "7", "{}", "{\"grace\": 60}", "{\"ttl\": \"60\", \"grace\": 60}",
                "{\"ttl\": -60, \"grace\": 60}", "{\"ttl\": 60, \"grace\": -1}", "{\"ttl\": 43201, \"grace\": 60}",
                "{\"ttl\": 60.0, \"grace\": 60}", "{\"ttl\": null}", "{\"ttl\": 9223372036854775807, \"grace\": 9223372036854775807}");
        List<String> metadata = List.of("[]", "\"x\"", "1", "null", "true", "{\"_reserved\": 1}", "[{\"a\": 1}]");
        return switch (route) {
            case MESSAGES -> pick(messages);
            case METADATA -> pick(metadata);
            default -> pick(leases).replace("\"grace\": 60", rnd.nextBoolean() ? "\"grace\": 60" : "\"grace\": \"60\"");
        };
    }

    private String badQueueName() {
        return switch (rnd.nextInt(6)) {
            case 0 -> "q".repeat(65 + rnd.nextInt(300));
            case 1 -> "caf%C3%A9";
            case 2 -> "dot.ted";
            case 3 -> "%E2%9C%93" + "x".repeat(rnd.nextInt(10));
            case 4 -> pick(List.of("a%20b", "a%2Fb", "a%00b", "%2E%2E", "a~b", "a!b", "a$b", "a%40b", "a%2Bb"));
            default -> "\u00e9".repeat(1 + rnd.nextInt(3)).replace("\u00e9", "%C3%A9");
        };
    }

    private String badUuid() {
        String u = UUID.randomUUID().toString();
        return switch (rnd.nextInt(6)) {
            case 0 -> "";
            case 1 -> u.substring(1);
            case 2 -> u + "0";
            case 3 -> u.replace('-', '_');
            case 4 -> u.replace(u.charAt(0), 'g');
            default -> randomString(40, true).replace("\r", "").replace("\n", "");
        };
    }

    private Attempt next() {
        String q = "/v1/queues/" + queue;
        String id = pick(ids);
        List<Supplier<Attempt>> kinds = List.of(
                // a body the JSON parser rejects, on every route that reads one
                () -> bodyRoute("bad JSON", badJson()),
                // well-formed JSON of the wrong shape, type or range
                () -> {
                    Route r = pick(List.of(Route.MESSAGES, Route.METADATA, Route.CLAIMS, Route.CLAIM));
                    return bodyRoute("wrong document", wrongDocument(r), r);
                },
                // oversized bodies
                () -> bodyRoute("oversized", "[" + " ".repeat(262_144 + rnd.nextInt(100_000)) + "]"),
                // bad queue names, any method, any sub-resource
                () -> new Attempt(pick(List.of("GET", "PUT", "DELETE", "HEAD", "POST", "PATCH")),
                        "/v1/queues/" + badQueueName() + pick(List.of("", "/stats", "/metadata", "/messages", "/claims",
                                "/messages/" + id, "/claims/" + claimId)), "{}", List.of(), "bad queue name"),
                // malformed Client-ID anywhere
                () -> new Attempt("GET", pick(List.of(q, q + "/stats", q + "/messages", "/v1/queues")), null,
                        List.of("Client-ID", badUuid()), "bad Client-ID"),
                () -> new Attempt("DELETE", q + "/messages/" + id, null, List.of("Client-ID", badUuid()), "bad Client-ID on delete"),
                // missing Client-ID where required
                () -> new Attempt(pick(List.of("POST", "GET")), q + "/messages",
                        "[{\"ttl\": 300, \"body\": 1}]", java.util.Arrays.asList("Client-ID", null), "missing Client-ID"),
                // project id empty or too long
                () -> new Attempt("DELETE", q, null, List.of("X-Project-Id", rnd.nextBoolean() ? "" : "p".repeat(257 + rnd.nextInt(500))),
                        "bad project"),
                // a path project that differs from the header
                () -> new Attempt("DELETE", "/v1/other-" + rnd.nextInt(1000) + "/queues/" + queue, null, List.of(), "project mismatch"),
                // Accept that excludes JSON
                () -> new Attempt(pick(List.of("DELETE", "GET", "PUT")), pick(List.of(q, q + "/messages?ids=" + id, "/v1/queues")), null,
                        List.of("Accept", pick(List.of("application/xml", "text/plain", "image/png", "application/json;q=0"))),
                        "not acceptable"),
                // form-encoded bodies
                () -> new Attempt("POST", q + "/messages", "ttl=300&body=1",
                        List.of("Content-Type", "application/x-www-form-urlencoded"), "form-encoded"),
                // bad query parameters
                () -> new Attempt("GET", q + "/messages?" + pick(List.of("limit=0", "limit=21", "limit=-5", "limit=x", "limit=1e3",
                        "limit=99999999999999999999", "echo=maybe", "include_claimed=2", "limit=%FF")), null, List.of(), "bad query"),
                () -> new Attempt("GET", "/v1/queues?" + pick(List.of("limit=0", "limit=1001", "detailed=nah", "limit=--1")), null,
                        List.of(), "bad list query"),
                () -> new Attempt("POST", q + "/claims?limit=" + pick(List.of("0", "21", "-1", "x", "2.5")),
                        "{\"ttl\": 60, \"grace\": 60}", List.of(), "bad claim limit"),
                () -> new Attempt(pick(List.of("GET", "DELETE")), q + "/messages?ids=" + String.join(",",
                        java.util.Collections.nCopies(21 + rnd.nextInt(50), id)), null, List.of(), "too many ids"),
                () -> new Attempt("DELETE", q + "/messages" + pick(List.of("", "?ids=", "?ids=,,,")), null, List.of(), "missing ids"),
                // malformed claim ids on delete
                () -> new Attempt("DELETE", q + "/messages/" + id + "?claim_id=" + pick(List.of("x", "zz", "ffffffffffffffffffffffff",
                        "0000000000000000000000000")), null, List.of(), "bad claim id"),
                // wrong methods and unknown paths
                () -> new Attempt(pick(List.of("POST", "PUT", "PATCH")), pick(List.of(q + "/stats", "/v1/queues", q + "/messages/" + id)),
                        "{}", List.of(), "wrong method"),
                () -> new Attempt("GET", q + "/" + pick(List.of("nothing", "claims/x/y", "messages/x/y", "stats/more")), null,
                        List.of(), "unknown path"));
        return kinds.get(rnd.nextInt(kinds.size())).get();
    }

    private Attempt bodyRoute(String defect, String body) {
        return bodyRoute(defect, body, pick(List.of(Route.MESSAGES, Route.METADATA, Route.CLAIMS, Route.CLAIM)));
    }

    private Attempt bodyRoute(String defect, String body, Route route) {
        String q = "/v1/queues/" + queue;
        return switch (route) {
            case MESSAGES -> new Attempt("POST", q + "/messages", body, List.of(), defect);
            case METADATA -> new Attempt("PUT", q + "/metadata", body, List.of(), defect);
            case CLAIMS -> new Attempt("POST", q + "/claims", body, List.of(), defect);
            default -> new Attempt("PATCH", q + "/claims/" + claimId, body, List.of(), defect);
        };
    }

    // ------------------------------------------------------------------ below HTTP semantics

    /** Broken framing sent on raw sockets: each gets a 4xx (or a closed connection), and the server lives on. */
    private void rawProtocolAbuse(Standalone s) throws IOException {
        String host = "Host: 127.0.0.1\r\n";
        List<String> requests = List.of(
                "GARBAGE\r\n\r\n",
                "GET /v1/queues/%zz HTTP/1.1\r\n" + host + "\r\n",
                "GET /v1/queues/% HTTP/1.1\r\n" + host + "\r\n",
                "GET /v1/%/queues HTTP/1.1\r\n" + host + "\r\n",
                "GET /v1/queues?limit=%zz HTTP/1.1\r\n" + host + "\r\n",
                "GET /v1/" + "a".repeat(10_000) + " HTTP/1.1\r\n" + host + "\r\n",
                "GET /v1/queues HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(20_000) + "\r\n\r\n",
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n",
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n",
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Client-ID: " + UUID.randomUUID()
                        + "\r\nContent-Length: 999999999\r\n\r\n[",
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Client-ID: " + UUID.randomUUID()
                        + "\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n",
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Client-ID: " + UUID.randomUUID()
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks(300_000),
                "POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                "GET /v1/queues HTTP/9.9\r\n" + host + "\r\n",
                "BREW /v1/queues HTTP/1.1\r\n" + host + "\r\n");
        for (String req : requests) {
            String status = exchange(s.port(), req.getBytes(StandardCharsets.ISO_8859_1));
            if (status != null) {
                assertThat(status).as("answer to %s", req.length() > 100 ? req.substring(0, 100) : req).matches("HTTP/1\\.[01] 4\\d\\d.*");
            }
            assertThat(s.client(project).head("/v1/health").status()).isEqualTo(204);
        }
        // A body cut short: the client goes away; nothing is stored and nothing breaks.
        exchange(s.port(), ("POST /v1/queues/target/messages HTTP/1.1\r\n" + host + "Client-ID: " + UUID.randomUUID()
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"ttl\": 300,").getBytes(StandardCharsets.ISO_8859_1),
                true);
    }

    private static String chunks(int total) {
        StringBuilder b = new StringBuilder();
        String piece = " ".repeat(8192);
        for (int sent = 0; sent < total; sent += piece.length()) {
            b.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        return b.append("0\r\n\r\n").toString();
    }

    private static String exchange(int port, byte[] request) throws IOException {
        return exchange(port, request, false);
    }

    /** Sends raw bytes; returns the response's status line, or null if the server closed without one. */
    private static String exchange(int port, byte[] request, boolean hangUp) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may refuse and close before reading everything: read what it said
            }
            if (hangUp) {
                return null;
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.write(b);
            }
            String status = line.toString(StandardCharsets.ISO_8859_1).trim();
            return status.isEmpty() ? null : status;
        } catch (java.net.SocketException e) {
            return null;
        }
    }
}
