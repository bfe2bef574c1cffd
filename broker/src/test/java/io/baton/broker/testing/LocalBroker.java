package io.baton.broker.testing;

import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.cluster.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.apache.commons.io.FileUtils;

/**
 * A real ZooKeeper server and a real standalone broker in this JVM, on free ports, with data in a
 * fresh temporary directory that {@link #close()} removes. The fixture every integration test uses.
 */
public final class LocalBroker implements AutoCloseable {
    private final Path dir;
    private final EmbeddedZooKeeper zk;
    private Broker broker;
    private final UnaryOperator<BrokerConfig.Builder> tweak;

    private LocalBroker(Path dir, EmbeddedZooKeeper zk, UnaryOperator<BrokerConfig.Builder> tweak) {
        this.dir = dir;
        this.zk = zk;
        this.tweak = tweak;
    }

    public static LocalBroker start() throws Exception {
        return start(b -> b);
    }

    public static LocalBroker start(UnaryOperator<BrokerConfig.Builder> tweak) throws Exception {
        Path dir = Files.createTempDirectory("baton-test");
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dir.resolve("zookeeper"), "127.0.0.1", 0);
        LocalBroker lb = new LocalBroker(dir, zk, tweak);
        lb.startBroker();
        return lb;
    }

    private void startBroker() throws Exception {
        // A small free-space floor and reserve: test machines may have little disk, and every
        // broker start would otherwise write a 64 MiB reserve file.
        broker = Broker.start(tweak.apply(BrokerConfig.builder()
                .zkConnect(zk.connectString()).dataDir(dir.resolve("broker")).slotCount(16).slotThreads(2)
                .diskSpace(new io.baton.broker.log.FileSlotLogFactory.Space(1L << 20, 1L << 20))).build());
        broker.awaitServing(Duration.ofSeconds(30));
    }

    /** Stops the broker cleanly and starts it again on the same data (a new gRPC port). */
    public void restart() throws Exception {
        broker.close();
        startBroker();
    }

    public Broker broker() {
        return broker;
    }

    public String address() {
        return broker.grpcAddress();
    }

    public String zkConnect() {
        return zk.connectString();
    }

    public EmbeddedZooKeeper zooKeeper() {
        return zk;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        if (broker != null) {
            broker.close();
        }
        zk.close();
        FileUtils.deleteDirectory(dir.toFile());
    }
}
