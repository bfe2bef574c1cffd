package io.baton.broker.testing;

import io.baton.api.SlotHash;
import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.cluster.EmbeddedZooKeeper;
import io.baton.broker.runtime.SlotOwnershipState;
import io.baton.broker.slot.SlotCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;

/**
 * Brokers in one JVM forming a cluster on a real ZooKeeper, each with a controller and a disk of
 * its own (file logs: a slot that moves is served empty by its new owner). Starts once every slot
 * is served and each broker serves some; {@link #close} stops what is left and deletes the files.
 */
public final class LocalCluster implements AutoCloseable {
    private final Path root;
    private final EmbeddedZooKeeper zookeeper;
    private final int slots;
    private final List<Broker> brokers = new ArrayList<>();

    private LocalCluster(Path root, EmbeddedZooKeeper zookeeper, int slots) {
        this.root = root;
        this.zookeeper = zookeeper;
        this.slots = slots;
    }

    /** {@code count} brokers of cluster {@code name} with {@code slots} slots; {@code tweak} adds to each one's config. */
    public static LocalCluster start(String name, int count, int slots, UnaryOperator<BrokerConfig.Builder> tweak) throws Exception {
        Path root = Files.createTempDirectory("baton-" + name);
        LocalCluster c = new LocalCluster(root, new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0), slots);
        for (int i = 1; i <= count; i++) {
            String id = "broker-" + i;
            c.brokers.add(Broker.start(tweak.apply(BrokerConfig.builder().brokerId(id).cluster(name)
                    .zkConnect(c.zookeeper.connectString()).dataDir(root.resolve(id)).slotCount(slots).slotThreads(1)
                    .selfAssignAllSlots(false).controller(true).handOverTimeout(Duration.ofSeconds(10))).build()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> c.brokers.stream().allMatch(b -> served(b) > 0)
                && c.brokers.stream().mapToInt(LocalCluster::served).sum() == slots);
        return c;
    }

    public Broker broker(int index) {
        return brokers.get(index);
    }

    /** How many slots {@code b} serves. */
    public static int served(Broker b) {
        return (int) b.slots().all().stream().filter(d -> d.state() == SlotOwnershipState.SERVING).count();
    }

    /** Stops {@code b} (its slots go to the others). */
    public void stop(Broker b) throws Exception {
        brokers.remove(b);
        b.close();
    }

    /** The first queue name {@code prefix}0, {@code prefix}1, ... of {@code project} whose slot {@code b} serves. */
    public String queueOn(Broker b, String project, String prefix) {
        for (int i = 0; ; i++) {
            String q = prefix + i;
            if (b.slots().get(SlotHash.slotOf(project, q, slots)) != null) {
                return q;
            }
        }
    }

    /** Runs {@code c} on the slot of {@code project}'s {@code queue}, which {@code b} must serve. */
    public <R> R run(Broker b, String project, String queue, SlotCommand<R> c) throws Exception {
        return b.slots().route(SlotHash.slotOf(project, queue, slots)).submit(c).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        for (Broker b : brokers) {
            b.close();
        }
        zookeeper.close();
        FileUtils.deleteDirectory(root.toFile());
    }
}
