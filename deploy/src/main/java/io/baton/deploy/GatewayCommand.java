package io.baton.deploy;

import io.baton.broker.metrics.MetricsServer;
import io.baton.gateway.Gateway;
import io.baton.gateway.GatewayConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code baton gateway}: the v1 HTTP gateway alone, in front of existing brokers (a cluster, or a
 * standalone's gRPC port). Stateless; run as many as you like behind a load balancer.
 */
@Command(name = "gateway", description = "Run the Cloud Queues v1 HTTP gateway in front of running brokers.")
final class GatewayCommand implements Callable<Integer> {
    @Option(names = "--brokers", required = true, split = ",",
            description = "Broker gRPC addresses host:port (any of them; the cluster map names the rest).")
    List<String> brokers;

    @Mixin
    ListenOptions listen;

    @Option(names = "--http-port", defaultValue = "8888", description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--metrics-port", defaultValue = "7072", description = "Prometheus /metrics port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Mixin
    AuthOptions auth;

    @Mixin
    TlsOptions tls;

    @Mixin
    HttpLimitOptions http;

    @Override
    public Integer call() throws Exception {
        auth.requireAuthUnlessInsecure("baton gateway");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        io.baton.api.tls.TlsCredentials credentials = tls.credentials();
        io.baton.api.tls.TlsCredentials https = credentials != null && credentials.identity() != null ? credentials : null;
        Gateway gateway = Gateway.start(GatewayConfig.builder().host(listen.host).port(httpPort).brokers(brokers)
                .auth(AuthOptions.authenticator(auth.credentials())).serviceToken(auth.serviceToken(true)).registry(registry)
                .httpLimits(http.limits()).https(https).brokerTls(credentials != null && credentials.trust() != null ? credentials : null).build());
        MetricsServer metrics;
        try {
            metrics = new MetricsServer(listen.host, metricsPort, registry, gateway::problems, https);
        } catch (Exception e) {
            gateway.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            metrics.close();
            stopped.countDown();
        }, "shutdown"));
        String scheme = https == null ? "http" : "https";
        System.out.printf("baton gateway ready http=%s://%s:%d/v1 metrics=%s://%s:%d/metrics brokers=%s%n",
                scheme, listen.host, gateway.port(), scheme, listen.host, metrics.port(), String.join(",", brokers));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
