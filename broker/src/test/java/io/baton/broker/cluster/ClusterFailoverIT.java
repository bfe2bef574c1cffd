package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views;
import io.baton.broker.testing.LocalBookies;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three brokers in cluster mode (controller, BookKeeper slot logs) on a real ZooKeeper and three
 * real bookies, in this JVM: the controller spreads the slots; when a broker leaves, its slots
 * move to the others under new epochs and every acknowledged message and claim is still there.
 */
class ClusterFailoverIT {
    private static final int SLOTS = 6;
    private Path root;
    private EmbeddedZooKeeper zookeeper;
    private LocalBookies bookies;
    private final List<Broker> brokers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory("baton-cluster");
        zookeeper = new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0);
        bookies = LocalBookies.start(zookeeper.connectString(), 3, root.resolve("bookies"));
        for (int i = 1; i <= 3; i++) {
            brokers.add(startBroker("broker-" + i));
        }
    }

    private Broker startBroker(String id) throws Exception {
        return Broker.start(BrokerConfig.builder().brokerId(id).cluster("it").zkConnect(zookeeper.connectString())
                .zkSessionTimeout(Duration.ofSeconds(4)).dataDir(root.resolve(id)).slotCount(SLOTS).slotThreads(1)
                .selfAssignAllSlots(false).controller(true).bookkeeper("zk+hierarchical://" + zookeeper.connectString() + "/ledgers").build());
    }

    @AfterEach
    void stop() throws Exception {
        for (Broker b : brokers) {
            b.close();
        }
        bookies.close();
        zookeeper.close();
        FileUtils.deleteDirectory(root.toFile());
    }

    private static Map<String, Integer> owners(ClusterMap map) {
        Map<String, Integer> c = new java.util.HashMap<>();
        for (SlotOwner s : map.getSlotsList()) {
            c.merge(s.getBrokerId(), 1, Integer::sum);
        }
        return c;
    }

    private Broker owner(int slot) {
        return brokers.stream().filter(b -> b.slots().get(slot) != null).findFirst().orElseThrow();
    }

    /** Runs a command on the slot's owner, retrying while the slot moves or recovers. */
    private <R> R submit(int slot, SlotCommand<R> command) {
        Object[] out = new Object[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                out[0] = owner(slot).slots().route(slot).submit(command).get(30, TimeUnit.SECONDS));
        @SuppressWarnings("unchecked")
        R r = (R) out[0];
        return r;
    }

    /** Every slot served by exactly the broker the assignment names. */
    private void awaitServed(Set<String> live) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            ClusterMap map = brokers.get(0).clusterMap();
            assertThat(owners(map).keySet()).isEqualTo(live);
            for (int s = 0; s < SLOTS; s++) {
                String id = map.getSlots(s).getBrokerId();
                Broker b = brokers.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
                b.slots().route(s); // throws while the slot is not served there
            }
        });
    }

    @Test
    void slotsOfABrokerThatLeavesMoveAndNothingAcknowledgedIsLost() throws Exception {
        awaitServed(Set.of("broker-1", "broker-2", "broker-3"));
        assertThat(owners(brokers.get(0).clusterMap()).values()).containsOnly(2);

        String project = "p";
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            queues.add("q" + i);
        }
        Map<String, List<Long>> posted = new java.util.HashMap<>();
        Map<String, Long> claims = new java.util.HashMap<>();
        for (String q : queues) {
            int slot = SlotHash.slotOf(project, q, SLOTS);
            submit(slot, new SlotCommand.CreateQueue(project, q));
            List<NewMessage> batch = new ArrayList<>();
            for (int m = 0; m < 20; m++) {
                batch.add(new NewMessage(3600, ("{\"m\":" + m + "}").getBytes(StandardCharsets.UTF_8)));
            }
            var result = submit(slot, new SlotCommand.Publish(project, q, UUID.randomUUID(), "r-" + q, batch));
            posted.put(q, result.seqs());
            Views.ClaimView claim = submit(slot, new SlotCommand.CreateClaim(project, q, 5, 3600, 60));
            claims.put(q, claim.claimSeq());
        }

        // broker-2 leaves (clean close: its registration goes, the controller moves its slots).
        Broker leaving = brokers.stream().filter(b -> b.id().equals("broker-2")).findFirst().orElseThrow();
        Set<Integer> movedSlots = new HashSet<>();
        for (int s = 0; s < SLOTS; s++) {
            if (leaving.clusterMap().getSlots(s).getBrokerId().equals("broker-2")) {
                movedSlots.add(s);
            }
        }
        leaving.close();
        brokers.remove(leaving);
        awaitServed(Set.of("broker-1", "broker-3"));
        ClusterMap after = brokers.get(0).clusterMap();
        String scrape = brokers.get(0).metrics().registry().scrape() + brokers.get(1).metrics().registry().scrape();
        assertThat(scrape).contains("baton_slot_ownership_changes_total{change=\"acquired\"}")
                .contains("baton_slot_recovery_seconds_count").contains("baton_controller_decisions_total");
        for (int s : movedSlots) {
            assertThat(after.getSlots(s).getEpoch()).isGreaterThanOrEqualTo(2);
        }

        for (String q : queues) {
            int slot = SlotHash.slotOf(project, q, SLOTS);
            Views.QueueStats stats = submit(slot, new SlotCommand.GetStats(project, q));
            assertThat(stats.total()).as("messages of %s (slot %d)", q, slot).isEqualTo(20);
            assertThat(stats.claimed()).as("claimed in %s", q).isEqualTo(5);
            Views.ClaimView claim = submit(slot, new SlotCommand.GetClaim(project, q, claims.get(q)));
            assertThat(claim.messages()).hasSize(5);
            // and the moved slots take writes again
            var more = submit(slot, new SlotCommand.Publish(project, q, UUID.randomUUID(), "more-" + q,
                    List.of(new NewMessage(3600, "1".getBytes(StandardCharsets.UTF_8)))));
            assertThat(more.seqs()).hasSize(1);
        }
    }
}
