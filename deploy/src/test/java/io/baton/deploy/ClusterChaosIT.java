package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.SlotHash;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.NewMessage;
import io.baton.sdk.NonRetryableException;
import io.baton.sdk.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A real multi-process cluster ({@code baton dev-cluster}: ZooKeeper, 3 bookies, 3 brokers and a
 * gateway, each its own JVM) under load from producers and streaming workers, through rounds of
 * faults: a broker owning a loaded queue is killed with SIGKILL; a new broker joins; a broker is
 * frozen (SIGSTOP) until ZooKeeper expires its session, then thawed, so that it wakes up still
 * believing it owns its slots and must be fenced. A history check then verifies that every
 * acknowledged publish was handled, that no job was held by two handlers at once, and that
 * whatever is left in a queue was handled already (its ack died with a broker; it returns after
 * its lease). Poison jobs go to a queue with {@code _max_claim_count} 3 and a dead-letter queue,
 * through the same faults: each lands in the dead-letter queue exactly once, after exactly three
 * claims, with a ledger that holds every handler run the test saw (never a fourth). Jobs whose
 * handler gives up ({@code NonRetryableException}) go there too, exactly once each, after one run
 * unless a fault lost the release that gave up (then after each run that did not count, up to three).
 *
 * <p>One round by default; {@code mvn -Pchaos verify} (or {@code -Dbaton.chaos.rounds=N}) runs
 * more, with minutes of load (docs/OPERATIONS.md).
 */
class ClusterChaosIT {
    private static final int SESSION_TIMEOUT_SECONDS = 2;
    private static final String PROJECT = "chaos";
    private static final List<String> QUEUES = List.of("jobs-0", "jobs-1", "jobs-2", "jobs-3");
    private static final String POISON = "poison";
    private static final String POISON_DLQ = "poison-dlq";
    private static final int MAX_CLAIMS = 3;
    /** How the bodies of the poison queue's jobs that their handler gives up on begin. */
    private static final String GIVE_UP = "{\"give_up\":";

    /** One handling of a job: when it started and ended (nanoTime). */
    private record Handling(long start, long end) {}

    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());
    private DevClusterProcess cluster;

    @Test
    void brokersKilledFrozenAndJoiningUnderLoadLoseNothingAndNeverDoubleHoldAJob() throws Exception {
        int rounds = Integer.getInteger("baton.chaos.rounds", 1);
        long started = System.nanoTime();
        cluster = DevClusterProcess.start(3, 12, SESSION_TIMEOUT_SECONDS);
        try {
            try (BatonClient client = BatonClient.builder().target(cluster.brokerAddresses()).project(PROJECT)
                    .callTimeout(Duration.ofSeconds(20)).build()) {
                QUEUES.forEach(client::createQueue);
                client.createQueue(POISON);
                client.setMetadata(POISON, "{\"_max_claim_count\": " + MAX_CLAIMS + ", \"_dead_letter_queue\": \"" + POISON_DLQ + "\"}");
                // Poison jobs by body: the claim of every handler run (its handler always fails).
                Map<String, List<String>> poisonRuns = new ConcurrentHashMap<>();
                Set<String> poisonAcked = ConcurrentHashMap.newKeySet();
                Set<String> acked = ConcurrentHashMap.newKeySet();
                Map<String, List<Handling>> handled = new ConcurrentHashMap<>();
                AtomicInteger overlapping = new AtomicInteger();
                List<Worker> workers = new ArrayList<>();
                for (String q : QUEUES) {
                    for (int w = 0; w < 2; w++) {
                        workers.add(Worker.builder(client).queue(q).concurrency(2).maxOutstanding(8).handler(job -> {
                            long start = System.nanoTime();
                            Thread.sleep(2);
                            long end = System.nanoTime();
                            List<Handling> hs = handled.computeIfAbsent(job.id(), k -> Collections.synchronizedList(new ArrayList<>()));
                            synchronized (hs) {
                                for (Handling h : hs) {
                                    if (h.start() < end && start < h.end()) {
                                        overlapping.incrementAndGet(); // two handlers held it at the same time
                                    }
                                }
                                hs.add(new Handling(start, end));
                            }
                        }).build().start());
                    }
                }
                for (int w = 0; w < 2; w++) {
                    workers.add(Worker.builder(client).queue(POISON).concurrency(2).maxOutstanding(4).handler(job -> {
                        poisonRuns.computeIfAbsent(job.bodyJson(), k -> Collections.synchronizedList(new ArrayList<>())).add(job.claimId());
                        if (job.bodyJson().startsWith(GIVE_UP)) {
                            throw new NonRetryableException("given up");
                        }
                        throw new IllegalStateException("poison");
                    }).build().start());
                }
                AtomicBoolean producing = new AtomicBoolean(true);
                AtomicInteger publishErrors = new AtomicInteger();
                Thread producer = new Thread(() -> {
                    for (int i = 0; producing.get(); i++) {
                        String q = QUEUES.get(i % QUEUES.size());
                        try {
                            acked.addAll(client.publish(q, List.of(new NewMessage(3600, "{\"i\":" + i + "}"))).ids());
                            if (i % 20 == 0 || i % 40 == 10) {
                                String body = (i % 20 == 0 ? "{\"poison\":" : GIVE_UP) + i + "}";
                                client.publish(POISON, List.of(new NewMessage(3600, body)));
                                poisonAcked.add(body);
                            }
                        } catch (BatonException e) {
                            publishErrors.incrementAndGet(); // not acknowledged: no promise made
                        }
                    }
                });
                producer.start();
                awaitMore(acked, 300);

                int nextBroker = 4;
                for (int round = 0; round < rounds; round++) {
                    // 1. SIGKILL the broker owning a loaded queue: no goodbye, nothing flushed.
                    String killed = ownerOf(client, QUEUES.get(round % QUEUES.size()));
                    long pid = cluster.forget(killed);
                    DevClusterProcess.signal("KILL", pid);
                    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
                    faults.add("round " + round + ": SIGKILL " + killed);
                    awaitMore(acked, 300); // the cluster goes on: publishes to the moved slots are acknowledged again

                    // 2. A new broker joins under load and takes its share of the slots.
                    String joined = "broker-" + nextBroker++;
                    cluster.startBroker(joined);
                    Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> slotsOwnedBy(client.clusterMap(), joined) > 0);
                    faults.add("round " + round + ": " + joined + " joined");
                    awaitMore(acked, 300);

                    // 3. Freeze the owner of another loaded queue past its session timeout, then thaw it:
                    //    its session expires on the server, its slots move and their ledgers are fenced; it
                    //    wakes up believing it still owns them and must get no write acknowledged.
                    String frozen = ownerOf(client, QUEUES.get((round + 1) % QUEUES.size()));
                    long frozenPid = cluster.pid(frozen);
                    ClusterMap beforeFreeze = client.clusterMap();
                    DevClusterProcess.signal("STOP", frozenPid);
                    try {
                        Thread.sleep(SESSION_TIMEOUT_SECONDS * 3_000L);
                    } finally {
                        DevClusterProcess.signal("CONT", frozenPid);
                    }
                    faults.add("round " + round + ": SIGSTOP " + frozen + " for " + SESSION_TIMEOUT_SECONDS * 3 + " s");
                    // Its session did expire: every slot it owned was taken over under a newer epoch.
                    Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                        ClusterMap now = client.clusterMap();
                        for (var s : beforeFreeze.getSlotsList()) {
                            if (s.getBrokerId().equals(frozen)) {
                                assertThat(now.getSlots(s.getSlot()).getEpoch()).as("slot %d", s.getSlot()).isGreaterThan(s.getEpoch());
                            }
                        }
                    });
                    awaitMore(acked, 300);
                }
                producing.set(false);
                producer.join(30_000);

                // Jobs a dead broker had claimed for a worker but never delivered come back when
                // their lease (60 s, the v1 minimum) runs out.
                try {
                    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                            .until(() -> handled.keySet().containsAll(acked));
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(diagnose(client, acked, handled), e);
                }
                try {
                    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .until(() -> client.stats(POISON).total() == 0 && client.stats(POISON_DLQ).total() >= poisonAcked.size());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("poison jobs not all dead-lettered: acked " + poisonAcked.size() + ", " + POISON + " "
                            + client.stats(POISON) + ", " + POISON_DLQ + " " + client.stats(POISON_DLQ), e);
                }
                String poisonSummary = checkDeadLetters(client, poisonAcked, poisonRuns);
                Thread.sleep(2000); // anything acknowledged that came back would show up now
                int handledOnce = handled.size();
                for (Worker w : workers) {
                    w.shutdown();
                }
                for (Worker w : workers) {
                    w.awaitTermination(Duration.ofSeconds(30));
                }
                Set<String> lost = new HashSet<>(acked);
                lost.removeAll(handled.keySet());
                assertThat(lost).as("acknowledged publishes never handled").isEmpty();
                assertThat(overlapping.get()).as("jobs held by two handlers at once").isZero();
                assertThat(handled.size()).isEqualTo(handledOnce);
                // What is still in a queue must be a job already handled whose ack died with a
                // broker (durable claim, lost delete): it comes back when its lease lapses, which is
                // at-least-once delivery. A job nobody handled must not be left behind.
                for (String q : QUEUES) {
                    String marker = null;
                    while (true) {
                        var page = client.withClientId(UUID.randomUUID()).listMessages(q, marker, 20, true, true);
                        if (page.messages().isEmpty()) {
                            break;
                        }
                        for (var m : page.messages()) {
                            assertThat(handled).as("left in %s but never handled", q).containsKey(m.id());
                        }
                        marker = page.nextMarker();
                    }
                }
                long redelivered = handled.values().stream().filter(h -> h.size() > 1).count();
                String summary = String.format("chaos: %d round(s) in %d s; faults %s; acknowledged %d, handled %d, lost 0, "
                        + "handled twice (sequentially, after a lost ack) %d, held twice at once 0, publish errors %d; %s%n",
                        rounds, (System.nanoTime() - started) / 1_000_000_000L, faults, acked.size(), handled.size(), redelivered,
                        publishErrors.get(), poisonSummary);
                Files.writeString(Path.of("target", "chaos-summary.txt"), summary);
                System.out.print(summary);
            }
        } finally {
            cluster.copyLogs(Path.of("target", "chaos-logs")); // every process's log, for whoever reads a failure
            cluster.close();
        }
    }

    /**
     * Every acknowledged poison job is in the dead-letter queue exactly once, after exactly
     * {@link #MAX_CLAIMS} claims, and its ledger holds the claim of every handler run the test saw:
     * at most that many runs, and a claim without a run (pushed by a broker that died first) ended
     * for a reason that says so. A job given up on is there exactly once too, with the same ledger
     * check; it moved as soon as a release that gave up on it was durable, so its ledger ends with
     * that release, or (every such release lost with a broker) it reached the claim limit.
     * Returns a summary.
     */
    private static String checkDeadLetters(BatonClient client, Set<String> acked, Map<String, List<String>> runs) {
        Map<String, Integer> copies = new java.util.HashMap<>();
        int exactlyMax = 0;
        int fewer = 0;
        int givenUp = 0;
        int givenUpAtOnce = 0;
        String marker = null;
        while (true) {
            var page = client.withClientId(UUID.randomUUID()).listMessages(POISON_DLQ, marker, 20, true, true);
            if (page.messages().isEmpty()) {
                break;
            }
            for (var m : page.messages()) {
                copies.merge(m.bodyJson(), 1, Integer::sum);
                List<String> seen = runs.getOrDefault(m.bodyJson(), List.of());
                if (m.bodyJson().startsWith(GIVE_UP)) {
                    var last = m.ledger().get(m.ledger().size() - 1);
                    boolean gaveUp = last.outcome() == io.baton.sdk.AttemptOutcome.RELEASED
                            && NonRetryableException.class.getName().equals(last.errorClass());
                    assertThat(gaveUp || m.attempts() == MAX_CLAIMS).as("%s moved by its give-up or its claim limit", m.bodyJson())
                            .isTrue();
                    if (m.attempts() == 1 && gaveUp) {
                        givenUpAtOnce++;
                    }
                    givenUp++;
                } else {
                    assertThat(m.attempts()).as("claims of %s", m.bodyJson()).isEqualTo(MAX_CLAIMS);
                }
                Set<String> ledgerClaims = new HashSet<>();
                for (io.baton.sdk.Attempt a : m.ledger()) {
                    ledgerClaims.add(a.claimId());
                    if (!seen.contains(a.claimId())) {
                        assertThat(a.outcome()).as("an attempt of %s no handler ran", m.bodyJson()).isIn(
                                io.baton.sdk.AttemptOutcome.SLOT_MOVED, io.baton.sdk.AttemptOutcome.STREAM_CLOSED,
                                io.baton.sdk.AttemptOutcome.LEASE_EXPIRED_SILENT,
                                io.baton.sdk.AttemptOutcome.LEASE_EXPIRED_AFTER_EXTENSIONS);
                    }
                }
                assertThat(ledgerClaims).as("ledger of %s holds every handler run", m.bodyJson()).containsAll(seen);
                assertThat(seen.size()).as("handler runs of %s", m.bodyJson()).isLessThanOrEqualTo(MAX_CLAIMS);
                if (m.bodyJson().startsWith(GIVE_UP)) {
                    continue;
                } else if (seen.size() == MAX_CLAIMS) {
                    exactlyMax++;
                } else {
                    fewer++;
                }
            }
            marker = page.nextMarker();
        }
        assertThat(copies.keySet()).as("dead-lettered poison jobs").containsAll(acked);
        assertThat(copies.values()).as("copies of each dead-lettered job").allMatch(n -> n == 1);
        return String.format("poison jobs %d: dead-lettered once each, %d after exactly %d handler runs, %d after fewer "
                + "(a claim pushed by a broker that died before delivering it), %d given up on (%d after their first run)",
                acked.size(), exactlyMax, MAX_CLAIMS, fewer, givenUp, givenUpAtOnce);
    }

    private static void awaitMore(Set<String> acked, int more) {
        int target = acked.size() + more;
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> acked.size() >= target);
    }

    /** The live broker (one this test can signal) that owns {@code queue}'s slot, once the map says so. */
    private String ownerOf(BatonClient client, String queue) {
        String[] owner = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            ClusterMap map = client.clusterMap();
            owner[0] = map.getSlots(SlotHash.slotOf(PROJECT, queue, map.getSlotCount())).getBrokerId();
            return cluster.pid(owner[0]) != null;
        });
        return owner[0];
    }

    private static int slotsOwnedBy(ClusterMap map, String brokerId) {
        return (int) map.getSlotsList().stream().filter(s -> s.getBrokerId().equals(brokerId)).count();
    }

    /** What the test knew when jobs went missing, plus every process's log, under target/. */
    private String diagnose(BatonClient client, Set<String> acked, Map<String, List<Handling>> handled) throws IOException {
        Set<String> missing = new TreeSet<>(acked);
        missing.removeAll(handled.keySet());
        StringBuilder why = new StringBuilder("acked " + acked.size() + ", handled " + handled.size() + ", missing "
                + missing.size() + " e.g. " + missing.stream().limit(5).toList() + "; faults " + faults + "; stats:");
        for (String q : QUEUES) {
            why.append(' ').append(q).append('=').append(client.stats(q));
        }
        ClusterMap map = client.clusterMap();
        why.append("; brokers ").append(map.getBrokersList().stream().map(BrokerInfo::getId).toList());
        Files.writeString(Path.of("target", "chaos-diagnosis.txt"), why.toString());
        return why.toString();
    }
}
