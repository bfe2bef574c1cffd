package io.baton.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Limits;
import io.baton.gateway.testing.Standalone;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and greedy HTTP clients against a real gateway: a slowloris gets a 408 at the request
 * deadline, a client that pipelines and never reads stops being read from, connections over the
 * cap are closed at once, an oversized body gets its JSON error on every route and method however
 * it is framed, and no error body carries exception text. Meanwhile other clients are served.
 */
class HttpAbuseIT {
    private static final int MAX_CONNECTIONS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static Standalone s;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        s = Standalone.withGateway(g -> g.httpLimits(new HttpLimits(MAX_CONNECTIONS, DEADLINE)));
        s.client("p").put("/v1/queues/q", null);
    }

    @AfterAll
    static void stop() throws Exception {
        s.close();
    }

    private static Socket socket() throws IOException {
        Socket c = new Socket(InetAddress.getLoopbackAddress(), s.port());
        c.setSoTimeout(10_000);
        return c;
    }

    /** Another client, served promptly. */
    private static void othersAreServed() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/v1/queues/q/stats"))
                .header("X-Project-Id", "p").header("Client-ID", "0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10")
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    /** What the server sent until it closed (or the read timed out). */
    private static String readAll(Socket c) throws IOException {
        StringBuilder out = new StringBuilder();
        InputStream in = c.getInputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived is what we have
        }
        return out.toString();
    }

    @Test
    void aSlowlorisGetsA408AtTheDeadlineWhileOthersAreServed() throws Exception {
        try (Socket c = socket()) {
            OutputStream out = c.getOutputStream();
            long start = System.nanoTime();
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return readAll(c);
                } catch (IOException e) {
                    return "";
                }
            });
            byte[] head = "GET /v1/queues/q/stats HTTP/1.1\r\nHost: x\r\nX-Project-Id: p\r\nClient-ID: 0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            for (byte b : head) {
                if (answer.isDone()) {
                    break;
                }
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                othersAreServed();
                Thread.sleep(50);
            }
            String r = answer.get(10, TimeUnit.SECONDS);
            assertThat(r).startsWith("HTTP/1.1 408").contains("\"title\"").doesNotContainIgnoringCase("exception");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(DEADLINE.minusMillis(100), DEADLINE.plusSeconds(3));
        }
    }

    @Test
    void aClientThatPipelinesAndNeverReadsStopsBeingReadFrom() throws Exception {
        try (Socket c = socket()) {
            c.setReceiveBufferSize(4096);
            byte[] request = "GET /v1/queues/q/stats HTTP/1.1\r\nHost: x\r\nX-Project-Id: p\r\nClient-ID: 0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = c.getOutputStream();
                    for (int i = 0; i < 1_000_000; i++) {
                        out.write(request);
                        written.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test closes the socket
                }
            });
            writer.setDaemon(true);
            writer.start();
            // The server stops reading: the writer blocks on a full socket long before a million requests.
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                long before = written.get();
                Thread.sleep(1_000);
                return written.get() == before;
            });
            assertThat(written.get()).isLessThan(1_000_000);
            othersAreServed();
        }
    }

    @Test
    void connectionsOverTheCapAreClosedAtOnceAndFreedSlotsServeAgain() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            int refused = 0;
            for (int i = 0; i < MAX_CONNECTIONS + 10; i++) {
                Socket c = socket();
                held.add(c);
            }
            Thread.sleep(500); // the refused ones are closed by now
            for (Socket c : held) {
                c.setSoTimeout(5);
                try {
                    if (c.getInputStream().read() == -1) {
                        refused++;
                    }
                } catch (SocketTimeoutException open) {
                    // accepted and waiting for a request
                }
            }
            assertThat(refused).isGreaterThanOrEqualTo(10);
            assertThat(s.registry().get("baton.gateway.connections.refused").functionCounter().count()).isGreaterThanOrEqualTo(10);
        } finally {
            for (Socket c : held) {
                c.close();
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(HttpAbuseIT::othersAreServed);
    }

    /** (method, path, the status the route answers an oversized body with). */
    private static final String[][] ROUTES = {
        {"POST", "/v1/queues/q/messages", "400"}, {"PUT", "/v1/queues/q/metadata", "400"}, {"POST", "/v1/queues/q/claims", "400"},
        {"PATCH", "/v1/queues/q/claims/abc", "400"}, {"PUT", "/v1/queues/q", "400"}, {"GET", "/v1/queues", "400"},
        {"DELETE", "/v1/queues/q/messages/abc", "400"}, {"POST", "/v1/queues/q/stats", "405"}, {"PUT", "/v1/queues/q/messages/abc/x", "404"},
        {"OPTIONS", "/v1/queues/q/messages", "405"},
    };

    @Test
    void anOversizedBodyGetsItsJsonErrorOnEveryRouteAndMethodBeforeTheConnectionCloses() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) '1');
        int total = Limits.POST_BODY_MAX_BYTES * 3;
        for (String[] route : ROUTES) {
            for (boolean chunked : new boolean[] {false, true}) {
                for (boolean close : new boolean[] {false, true}) {
                    String what = route[0] + " " + route[1] + (chunked ? " chunked" : " with a length") + (close ? ", Connection: close" : "");
                    try (Socket c = socket()) {
                        String head = route[0] + " " + route[1] + " HTTP/1.1\r\nHost: x\r\nX-Project-Id: p\r\n"
                                + "Client-ID: 0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10\r\nContent-Type: application/json\r\n"
                                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + total + "\r\n")
                                + (close ? "Connection: close\r\n" : "") + "\r\n";
                        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                            try {
                                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                                StringBuilder sb = new StringBuilder();
                                String line;
                                int length = -1;
                                while ((line = in.readLine()) != null && !line.isEmpty()) {
                                    sb.append(line).append('\n');
                                    if (line.toLowerCase().startsWith("content-length:")) {
                                        length = Integer.parseInt(line.substring(15).trim());
                                    }
                                }
                                char[] body = new char[Math.max(0, length)];
                                int got = 0;
                                while (got < body.length) {
                                    int n = in.read(body, got, body.length - got);
                                    if (n < 0) {
                                        break;
                                    }
                                    got += n;
                                }
                                return sb.append('\n').append(body, 0, got).toString();
                            } catch (IOException e) {
                                return "read failed: " + e;
                            }
                        });
                        OutputStream out = c.getOutputStream();
                        try {
                            out.write(head.getBytes(StandardCharsets.US_ASCII));
                            for (int sent = 0; sent < total && !answer.isDone(); sent += chunk.length) {
                                if (chunked) {
                                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                                }
                                out.write(chunk);
                                if (chunked) {
                                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                                }
                            }
                        } catch (IOException closedWhileSending) {
                            // the server has answered and stopped reading: the answer must still be readable
                        }
                        String r = answer.get(15, TimeUnit.SECONDS);
                        assertThat(r).as(what).startsWith("HTTP/1.1 " + route[2]).contains("\"title\"")
                                .doesNotContainIgnoringCase("exception").doesNotContain("io.netty");
                    }
                }
            }
        }
        othersAreServed();
    }

    @Test
    void aKeptAliveConnectionAnsweredForAnOversizedBodyGetsNoStrayTimeoutLater() throws Exception {
        try (Socket c = socket()) {
            byte[] body = new byte[Limits.POST_BODY_MAX_BYTES + 1];
            java.util.Arrays.fill(body, (byte) '1');
            OutputStream out = c.getOutputStream();
            out.write(("POST /v1/queues/q/messages HTTP/1.1\r\nHost: x\r\nX-Project-Id: p\r\n"
                    + "Client-ID: 0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            c.setSoTimeout((int) DEADLINE.toMillis() * 2 + 1_000);
            String r = readAll(c);
            assertThat(r).startsWith("HTTP/1.1 400").doesNotContain("408");
        }
    }

    @Test
    void errorBodiesNeverCarryExceptionText() throws Exception {
        String[] raw = {
            "GET /v1/queues HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(40_000) + "\r\n\r\n",
            "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/queues HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
            "GET /v1/queues HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        };
        for (String request : raw) {
            try (Socket c = socket()) {
                c.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                String r = readAll(c);
                assertThat(r).as(request.substring(0, 40)).startsWith("HTTP/1.1 4").doesNotContainIgnoringCase("exception")
                        .doesNotContain("io.netty").doesNotContain("bytes.");
            }
        }
        othersAreServed();
    }
}
