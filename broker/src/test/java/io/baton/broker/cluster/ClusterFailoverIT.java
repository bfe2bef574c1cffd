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
 * Under a publishing load, a broker whose ZooKeeper session the server expires, and a broker that
 * joins, lose no acknowledged publish: an old owner never gets a write acknowledged once a new
 * owner has fenced its ledger.
 */
class ClusterFailoverIT {
    private static final int SLOTS = 6;
    private Path root;
    private EmbeddedZooKeeper zookeeper;
    private LocalBookies bookies;
    private final List<Broker> brokers = new java.util.concurrent.CopyOnWriteArrayList<>();

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

    /** The broker's own report, as the console reads it. */
    private static io.baton.api.v1.BrokerStatus status(Broker b) {
        io.grpc.ManagedChannel ch = io.grpc.ManagedChannelBuilder.forTarget(b.grpcAddress()).usePlaintext().build();
        try {
            return io.baton.api.v1.ClusterServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getBrokerStatus(io.baton.api.v1.GetBrokerStatusRequest.newBuilder().setProject("p").build());
        } finally {
            ch.shutdownNow();
        }
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

    /**
     * Publishers on every queue through whichever broker serves its slot right now; records what
     * was acknowledged. An error (slot moving, fenced, not served) is only counted: nothing was
     * promised.
     */
    private final class PublishLoad implements AutoCloseable {
        final String project = "load";
        final List<String> queues = new ArrayList<>();
        final Map<String, Set<Long>> acked = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();

        PublishLoad(int threadCount) {
            for (int i = 0; i < SLOTS * 2; i++) {
                String q = "q" + i;
                queues.add(q);
                acked.put(q, java.util.concurrent.ConcurrentHashMap.newKeySet());
                submit(SlotHash.slotOf(project, q, SLOTS), new SlotCommand.CreateQueue(project, q));
            }
            for (int t = 0; t < threadCount; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    for (int i = first; running.get(); i++) {
                        String q = queues.get(i % queues.size());
                        int slot = SlotHash.slotOf(project, q, SLOTS);
                        try {
                            Broker b = brokers.stream().filter(x -> x.slots().get(slot) != null).findFirst().orElseThrow();
                            var r = b.slots().route(slot).submit(new SlotCommand.Publish(project, q, UUID.randomUUID(),
                                    "r-" + UUID.randomUUID(), List.of(new NewMessage(3600, ("{\"i\":" + i + "}")
                                            .getBytes(StandardCharsets.UTF_8))))).get(30, TimeUnit.SECONDS);
                            acked.get(q).addAll(r.seqs());
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            try {
                                Thread.sleep(5);
                            } catch (InterruptedException ie) {
                                return;
                            }
                        }
                    }
                }, "publisher-" + t);
                th.start();
                threads.add(th);
            }
        }

        int ackedCount() {
            return acked.values().stream().mapToInt(Set::size).sum();
        }

        void awaitMore(int more) {
            int target = ackedCount() + more;
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ackedCount() >= target);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }

        /** Every acknowledged publish is in its queue, read from whoever owns the slot now. */
        void assertNothingAcknowledgedLost() {
            for (String q : queues) {
                int slot = SlotHash.slotOf(project, q, SLOTS);
                List<Long> seqs = new ArrayList<>(acked.get(q));
                for (int from = 0; from < seqs.size(); from += 20) {
                    long[] chunk = seqs.subList(from, Math.min(seqs.size(), from + 20)).stream().mapToLong(Long::longValue).toArray();
                    List<Views.MessageView> found = submit(slot, new SlotCommand.GetMessages(project, q, chunk));
                    assertThat(found).as("acknowledged publishes in %s (slot %d)", q, slot).hasSize(chunk.length);
                }
            }
        }
    }

    private String scrapeAll() {
        StringBuilder all = new StringBuilder();
        brokers.forEach(b -> all.append(b.metrics().registry().scrape()));
        return all.toString();
    }

    private static double sum(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .sum();
    }

    /** What happens to the cluster while {@link PublishLoad} runs. */
    private interface Disruption {
        void run(PublishLoad load) throws Exception;
    }

    /**
     * Publishes under load through {@code disruption}, with acknowledged publishes before and
     * after it, then checks that every acknowledged publish is there.
     */
    private void underLoad(Disruption disruption) throws Exception {
        awaitServed(Set.of("broker-1", "broker-2", "broker-3"));
        PublishLoad load = new PublishLoad(4);
        try (load) {
            load.awaitMore(300);
            disruption.run(load);
            load.awaitMore(300);
        }
        load.assertNothingAcknowledgedLost();
    }

    @Test
    void aBrokerWhoseSessionExpiresUnderLoadIsFencedAndNoAcknowledgedPublishIsLost() throws Exception {
        Broker victim = brokers.get(1);
        underLoad(load -> {
            // Expire the victim's session on the server, as a long pause or a partition would: a
            // second handle on the same session closes it. Its ephemeral registration vanishes at
            // once; the victim itself hears of it only later, and meanwhile still tries to write.
            org.apache.zookeeper.ZooKeeper victimZk = victim.zk().getZookeeperClient().getZooKeeper();
            java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
            org.apache.zookeeper.ZooKeeper twin = new org.apache.zookeeper.ZooKeeper(zookeeper.connectString(), 4000, event -> {
                if (event.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            }, victimZk.getSessionId(), victimZk.getSessionPasswd());
            assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
            twin.close();

            // Its slots move to the other two (new epochs; their ledgers fenced), then, once the
            // victim has a new session and registers again, the controller gives it its share back.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sum(scrapeAll(),
                    "baton_ledger_fencing_total{event=\"fenced_previous_owner\"}") >= 1);
            load.awaitMore(300);
            awaitServed(Set.of("broker-1", "broker-2", "broker-3"));
        });
    }

    @Test
    void aBookieStoppedAndRestartedUnderLoadLosesNothingAndWritesResumeByThemselves() throws Exception {
        assertThat(status(brokers.get(0)).getStorage()).isEqualTo("bookkeeper");
        assertThat(status(brokers.get(0)).getWritableBookies()).isEqualTo(3);
        underLoad(load -> {
            bookies.stop(0);
            // With 3 bookies and ensembles of 3, no ledger can be written meanwhile: slots fail,
            // and their brokers keep reopening them with backoff until the bookie is back.
            int before = load.errors.get();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> load.errors.get() > before + 10);
            // What operators see of it: a bookie short, and (while a reopen has not succeeded) FAILED slots.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(brokers.get(0)).getWritableBookies() == 2);
            Thread.sleep(2000);
            bookies.restart(0);
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(brokers.get(0)).getWritableBookies() == 3);
        assertThat(scrapeAll()).contains("baton_slot_failures_total");
        assertThat(sum(scrapeAll(), "baton_slot_failures_total")).isPositive();
    }

    @Test
    void aBrokerJoiningUnderLoadTakesItsShareAndNoAcknowledgedPublishIsLost() throws Exception {
        underLoad(load -> {
            List<Broker> before = List.copyOf(brokers);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> postedCounted(before) > 0);
            // A broker that gives a slot away keeps what it had counted: its counters never drop
            // (Prometheus would read a drop as a restart). Sampled all through the move.
            List<String> drops = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                double[] last = new double[before.size()];
                while (sampling.get()) {
                    for (int i = 0; i < before.size(); i++) {
                        double v = postedCounted(List.of(before.get(i)));
                        if (v < last[i]) {
                            drops.add(before.get(i).id() + ": " + last[i] + " -> " + v);
                        }
                        last[i] = v;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
            });
            sampler.start();
            try {
                brokers.add(startBroker("broker-4"));
                awaitServed(Set.of("broker-1", "broker-2", "broker-3", "broker-4"));
                assertThat(owners(brokers.get(0).clusterMap()).get("broker-4")).isEqualTo(SLOTS / 4);
                Thread.sleep(1500); // a housekeeping tick after the move
            } finally {
                sampling.set(false);
                sampler.join();
            }
            assertThat(drops).as("baton_messages_posted_total dropped").isEmpty();
        });
    }

    private static double postedCounted(List<Broker> of) {
        return of.stream().mapToDouble(b -> sum(b.metrics().registry().scrape(), "baton_messages_posted_total")).sum();
    }

    @Test
    void aBrokerLeavingUnderLoadHandsItsSlotsOverAndNoAcknowledgedPublishIsLost() throws Exception {
        underLoad(load -> {
            Broker leaving = brokers.get(2);
            // The hand-over: it leaves the membership and keeps serving until the controller has
            // moved each of its slots; so its slots are served by it or by their new owner throughout.
            leaving.close();
            brokers.remove(leaving);
            awaitServed(Set.of("broker-1", "broker-2"));
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
