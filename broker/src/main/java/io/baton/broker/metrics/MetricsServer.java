package io.baton.broker.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} (Prometheus text format) and {@code GET /health} (204 when healthy; 503
 * with one line per problem, such as a FAILED slot and why, when not) on the JDK's built-in HTTP
 * server: an admin port, not the v1 API. Over HTTPS when the process has a TLS identity.
 *
 * <p>The JDK server reads a request's head on an executor thread, so a client that sends half a
 * request holds one: {@link #THREADS} threads, and a request not read within
 * {@link #MAX_REQUEST_SECONDS} has its connection closed, so one such client never stops the
 * probes and scrapes of everyone else.
 */
public final class MetricsServer implements AutoCloseable {
    static final int THREADS = 4;
    static final int MAX_REQUEST_SECONDS = 10;

    static {
        // Read once, when the JDK's server configuration class loads: set before the first server.
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime",
                Integer.toString(MAX_REQUEST_SECONDS)));
    }

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor;

    public MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<List<String>> problems) throws IOException {
        this(host, port, registry, problems, null);
    }

    /** {@code tls}: serve HTTPS with its identity (null: HTTP). */
    public MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<List<String>> problems,
                         io.baton.api.tls.TlsCredentials tls) throws IOException {
        try {
            InetSocketAddress bind = new InetSocketAddress(host, port);
            if (tls == null) {
                server = HttpServer.create(bind, 64);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(bind, 64);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(sslContext(tls)));
                server = https;
            }
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        server.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/health", exchange -> {
            List<String> now = problems.get();
            if (now.isEmpty()) {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            byte[] body = (String.join("\n", now) + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        executor = Executors.newFixedThreadPool(THREADS, io.baton.api.DaemonThreads.named("metrics-http"));
        server.setExecutor(executor);
        server.start();
    }

    private static javax.net.ssl.SSLContext sslContext(io.baton.api.tls.TlsCredentials tls) throws IOException {
        try {
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
            c.init(new javax.net.ssl.KeyManager[] {tls.identity()}, null, null);
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot serve metrics over HTTPS: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
