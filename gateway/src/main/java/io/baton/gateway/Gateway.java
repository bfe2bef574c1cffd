package io.baton.gateway;

import io.baton.gateway.console.Console;
import io.baton.gateway.http.HttpApi;
import io.baton.gateway.http.HttpServer;
import io.baton.gateway.v1.V1Api;
import io.baton.sdk.BatonClient;

/**
 * The v1 REST gateway: an HTTP server in front of the brokers. Stateless: it holds no queue data
 * and reaches brokers only through the SDK's routing client, so one gateway (or many, behind a
 * load balancer) serves a single broker or a whole cluster alike.
 */
public final class Gateway implements AutoCloseable {
    private final BatonClient client;
    private final HttpServer server;

    private Gateway(BatonClient client, HttpServer server) {
        this.client = client;
        this.server = server;
    }

    public static Gateway start(GatewayConfig config) throws InterruptedException {
        BatonClient.Builder b = BatonClient.builder().target(config.brokers().toArray(String[]::new))
                .callTimeout(config.callTimeout()).inProcessWhenLocal(config.inProcessWhenLocal()).token(config.serviceToken());
        if (config.brokerTls() != null) {
            b.tls(config.brokerTls());
        }
        BatonClient client = b.build();
        try {
            HttpApi api = new Console(new V1Api(client, config.auth(), config.registry()), config.auth(), client);
            HttpServer server = HttpServer.start(config.host(), config.port(), config.ioThreads(), config.https(),
                    config.httpLimits(), api);
            io.micrometer.core.instrument.Gauge.builder("baton.gateway.connections", server, HttpServer::openConnections)
                    .description("HTTP connections open").register(config.registry());
            io.micrometer.core.instrument.FunctionCounter.builder("baton.gateway.connections.refused", server,
                    HttpServer::refusedConnections).description("HTTP connections closed at once: the connection limit was reached")
                    .register(config.registry());
            return new Gateway(client, server);
        } catch (InterruptedException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Why the gateway cannot serve now (empty when it can): for the metrics port's {@code /health}. */
    public java.util.List<String> problems() {
        return Readiness.problemsNow(client, 5);
    }

    /** The HTTP port actually bound. */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
