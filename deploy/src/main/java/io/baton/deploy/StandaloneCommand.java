package io.baton.deploy;

import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.cluster.EmbeddedZooKeeper;
import io.baton.gateway.Gateway;
import io.baton.gateway.GatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code baton standalone}: an embedded ZooKeeper, one broker owning every slot with durable local
 * logs under the data directory, and the v1 HTTP gateway in front of it. Stops cleanly on Ctrl-C / SIGTERM (the launcher execs the
 * JVM, so signals reach it).
 */
@Command(name = "standalone", description = "Run Baton on one machine: embedded ZooKeeper, one broker, local durable log.")
final class StandaloneCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "data", description = "Where logs and ZooKeeper data live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Mixin
    ListenOptions.Advertised listen;

    @Option(names = "--grpc-port", defaultValue = "7070", description = "Broker gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int grpcPort;

    @Option(names = "--http-port", defaultValue = "8888",
            description = "HTTP v1 gateway port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    AuthOptions auth;

    @Mixin
    TlsOptions tls;

    @Mixin
    HttpLimitOptions http;

    @Mixin
    LimitOptions limits;

    @Option(names = "--metrics-port", defaultValue = "7071", description = "Prometheus /metrics port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--zookeeper-port", defaultValue = "0", description = "Embedded ZooKeeper port; 0 picks a free one (default).")
    int zkPort;

    @Option(names = "--slots", defaultValue = "256", description = "Slot count, fixed when the data directory is first created (default: ${DEFAULT-VALUE}).")
    int slots;

    /** A standalone that runs: its parts, stopped together by {@link #close}. */
    record Running(EmbeddedZooKeeper zk, Broker broker, Gateway gateway, boolean https) implements AutoCloseable {
        @Override
        public void close() {
            gateway.close();
            broker.close();
            zk.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        Running running = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("baton standalone stopping");
            running.close();
            stopped.countDown();
        }, "shutdown"));
        String scheme = running.https() ? "https" : "http";
        System.out.printf("baton standalone ready grpc=%s http=%s://%s:%d/v1 metrics=%s://%s:%d/metrics zookeeper=%s data=%s%n",
                running.broker().grpcAddress(), scheme, listen.host, running.gateway().port(), scheme, listen.host, running.broker().metricsPort(),
                running.zk().connectString(), dataDir.toAbsolutePath());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Starts ZooKeeper, the broker and the gateway as the options say; returns once all serve. */
    Running start() throws Exception {
        for (int port : new int[] {grpcPort, httpPort, metricsPort, zkPort}) {
            if (port < 0 || port > 65535) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "ports must be 0..65535");
            }
        }
        if (!isLoopback(listen.host)) {
            auth.requireAuthUnlessInsecure("baton standalone on " + listen.host);
        }
        Path data = dataDir.toAbsolutePath();
        io.baton.api.tls.TlsCredentials transport = tls.forBroker();
        io.baton.auth.Credentials users = auth.credentials();
        // With auth on, the gateway calls the broker with a service identity of its own, known
        // only to this process: a fresh random token that the broker grants every project.
        String serviceToken = users == null ? null : io.baton.auth.TokenGrants.newToken();
        io.baton.auth.Credentials credentials = users == null ? null : io.baton.auth.Credentials.either(
                io.baton.auth.Credentials.fixed(serviceToken, java.util.Set.of(io.baton.auth.Credentials.ANY_PROJECT)), users);
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(data.resolve("zookeeper"), "127.0.0.1", zkPort);
        Broker broker;
        Gateway gateway;
        try {
            broker = Broker.start(limits.applyTo(BrokerConfig.builder().brokerId("standalone").zkConnect(zk.connectString())
                    .host(listen.host).advertisedHost(listen.advertise).grpcPort(grpcPort).metricsPort(metricsPort).dataDir(data.resolve("broker"))
                    .slotCount(slots).selfAssignAllSlots(true).credentials(credentials).serviceToken(serviceToken).tls(transport)).build());
            broker.awaitServing(Duration.ofMinutes(5));
        } catch (Exception e) {
            zk.close();
            throw e;
        }
        try {
            gateway = Gateway.start(GatewayConfig.builder().host(listen.host).port(httpPort).brokers(java.util.List.of(broker.grpcAddress()))
                    .auth(AuthOptions.authenticator(users)).serviceToken(serviceToken).registry(broker.metrics().registry())
                    .https(transport).httpLimits(http.limits()).inProcessWhenLocal(true).build());
        } catch (Exception e) {
            broker.close();
            zk.close();
            throw e;
        }
        return new Running(zk, broker, gateway, transport != null);
    }

    /** Whether {@code host} (a listen address) is reachable only from this machine. */
    private static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
