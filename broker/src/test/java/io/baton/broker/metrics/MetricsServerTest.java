package io.baton.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metrics and health port against clients that hold connections: one that never sends a byte
 * and others that send half a request head keep getting nothing, while probes and scrapes are
 * still answered; the half-sent requests have their connections closed after the deadline.
 */
class MetricsServerTest {
    @Test
    void answersWhileClientsHoldConnectionsAndClosesTheirsAtTheDeadline() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, List::of);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < MetricsServer.THREADS - 1; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                if (i > 0) {
                    s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                held.add(s);
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(204);
            }
            // The held connections are closed once their request is overdue (at most the deadline
            // plus the JDK's one-second check). The deadline is the broker's unless the JVM set
            // another before the server's first use (the build's tests set a shorter one).
            int deadline = Integer.getInteger("sun.net.httpserver.maxReqTime", MetricsServer.MAX_REQUEST_SECONDS);
            assertThat(deadline).isBetween(1, MetricsServer.MAX_REQUEST_SECONDS);
            Socket partial = held.get(held.size() - 1);
            partial.setSoTimeout((deadline + 5) * 1000);
            InputStream in = partial.getInputStream();
            long start = System.nanoTime();
            int read = in.read();
            assertThat(read).as("the connection was closed").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(deadline + 5));
        } finally {
            for (Socket s : held) {
                s.close();
            }
            server.close();
        }
    }
}
