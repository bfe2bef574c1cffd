package io.baton.deploy;

import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.log.Bookie;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code baton broker}: one broker of a cluster. It registers in ZooKeeper, takes part in the
 * controller election, serves the slots the controller gives it, and keeps their logs in
 * BookKeeper, so another broker can take them over when this one dies.
 */
@Command(name = "broker", description = "Run a cluster broker (ZooKeeper coordination, BookKeeper slot logs).")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--zookeeper", required = true, description = "ZooKeeper connect string host:port[,host:port...].")
    String zookeeper;

    @Option(names = "--id", required = true, description = "This broker's id, unique in the cluster.")
    String id;

    @Option(names = "--cluster", defaultValue = "default", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Mixin
    ListenOptions.Advertised listen;

    @Option(names = "--hand-over-timeout", defaultValue = "30", description = "On SIGTERM, seconds to keep serving while "
            + "the controller moves this broker's slots to the others (default: ${DEFAULT-VALUE}).")
    int handOverSeconds;

    @Option(names = "--grpc-port", defaultValue = "7070", description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int grpcPort;

    @Option(names = "--metrics-port", defaultValue = "7071", description = "Prometheus /metrics port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--data-dir", defaultValue = "data/broker", description = "Local scratch directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--slots", defaultValue = "256", description = "Slot count, fixed when the cluster is first created (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--session-timeout", defaultValue = "10", description = "ZooKeeper session timeout in seconds (default: ${DEFAULT-VALUE}).")
    int sessionTimeoutSeconds;

    @Option(names = "--bookkeeper", description = "BookKeeper metadata URI (default: the ZooKeeper above, /ledgers).")
    String bookkeeperUri;

    @Mixin
    LedgerEntryOptions ledgerEntries;

    @Mixin
    LimitOptions limits;

    @Mixin
    AuthOptions auth;

    @Mixin
    TlsOptions tls;

    @Mixin
    ClusterSecretOptions secrets;

    @Override
    public Integer call() throws Exception {
        auth.requireAuthUnlessInsecure("baton broker");
        Broker broker = Broker.start(secrets.applyTo(limits.applyTo(BrokerConfig.builder().brokerId(id).cluster(cluster).zkConnect(zookeeper)
                .zkSessionTimeout(Duration.ofSeconds(sessionTimeoutSeconds)).host(listen.host).advertisedHost(listen.advertise).grpcPort(grpcPort)
                .handOverTimeout(Duration.ofSeconds(handOverSeconds))
                .metricsPort(metricsPort).dataDir(dataDir.toAbsolutePath()).slotCount(slots).selfAssignAllSlots(false)
                .controller(true).bookkeeper(bookkeeperUri != null ? bookkeeperUri : Bookie.metadataUri(zookeeper))
                .credentials(auth.credentials()).serviceToken(auth.serviceToken(true)).tls(tls.forBroker())
                .ledgerBatching(ledgerEntries.batching()))).build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("baton broker stopping");
            broker.close(); // leaves the cluster: the controller moves its slots to the others
            stopped.countDown();
        }, "shutdown"));
        System.out.printf("baton broker ready id=%s grpc=%s metrics=%s://%s:%d/metrics%n", id, broker.grpcAddress(),
                tls.certificate == null ? "http" : "https", listen.host,
                broker.metricsPort());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
