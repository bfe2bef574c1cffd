package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.NewMessage;
import io.baton.sdk.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A real multi-process cluster ({@code baton dev-cluster}: ZooKeeper, 3 bookies, 3 brokers and a
 * gateway, each its own JVM). Producers and streaming workers run while the broker that owns a
 * loaded queue is killed with SIGKILL. A history check then verifies that every acknowledged
 * publish was handled, no job was held by two handlers at once, and that whatever is left in a
 * queue was handled already (its ack died with the broker; it returns after its lease).
 */
class ClusterChaosIT {

    /** One handling of a job: when it started and ended (nanoTime). */
    private record Handling(long start, long end) {}

    @Test
    void sigkillOfABrokerUnderLoadLosesNothingAndNeverDoubleHoldsAJob() throws Exception {
        Path base = Files.createTempDirectory("baton-chaos");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process cluster = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "dev-cluster", "--base-dir", base.toString(), "--http-port", "0", "--slots", "12", "--session-timeout", "2")
                .redirectErrorStream(true).redirectOutput(base.resolve("dev-cluster.out").toFile()).start();
        try {
            Path clusterJson = base.resolve("cluster.json");
            Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> Files.exists(clusterJson) || !cluster.isAlive());
            assertThat(cluster.isAlive()).as("dev-cluster started; see %s", base.resolve("dev-cluster.out")).isTrue();
            JsonNode doc = new ObjectMapper().readTree(clusterJson.toFile());
            List<String> brokerAddresses = new ArrayList<>();
            Map<String, Long> pidByAddress = new ConcurrentHashMap<>();
            for (JsonNode p : doc.path("processes")) {
                if (p.path("role").asText().equals("broker")) {
                    brokerAddresses.add(p.path("grpc").asText());
                    pidByAddress.put(p.path("grpc").asText(), p.path("pid").asLong());
                }
            }
            assertThat(brokerAddresses).hasSize(3);

            try (BatonClient client = BatonClient.builder().target(brokerAddresses.toArray(String[]::new)).project("chaos")
                    .callTimeout(Duration.ofSeconds(20)).build()) {
                List<String> queues = List.of("jobs-0", "jobs-1", "jobs-2", "jobs-3");
                queues.forEach(client::createQueue);
                Set<String> acked = ConcurrentHashMap.newKeySet();
                Map<String, List<Handling>> handled = new ConcurrentHashMap<>();
                AtomicInteger overlapping = new AtomicInteger();
                List<Worker> workers = new ArrayList<>();
                for (String q : queues) {
                    for (int w = 0; w < 2; w++) {
                        workers.add(Worker.builder(client).queue(q).concurrency(2).maxOutstanding(8).handler(job -> {
                            long start = System.nanoTime();
                            Thread.sleep(2);
                            long end = System.nanoTime();
                            List<Handling> hs = handled.computeIfAbsent(job.id(), k -> java.util.Collections.synchronizedList(new ArrayList<>()));
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
                AtomicBoolean producing = new AtomicBoolean(true);
                AtomicInteger publishErrors = new AtomicInteger();
                Thread producer = new Thread(() -> {
                    for (int i = 0; producing.get(); i++) {
                        String q = queues.get(i % queues.size());
                        try {
                            acked.addAll(client.publish(q, List.of(new NewMessage(3600, "{\"i\":" + i + "}"))).ids());
                        } catch (BatonException e) {
                            publishErrors.incrementAndGet(); // not acknowledged: no promise made
                        }
                    }
                });
                producer.start();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= 300);

                // Kill the broker that owns jobs-0's slot, without a goodbye.
                ClusterMap map = client.clusterMap();
                int slot = SlotHash.slotOf("chaos", "jobs-0", map.getSlotCount());
                String ownerId = map.getSlots(slot).getBrokerId();
                String ownerAddress = map.getBrokersList().stream().filter(b -> b.getId().equals(ownerId)).findFirst()
                        .orElseThrow().getGrpcAddress();
                long pid = pidByAddress.get(ownerAddress);
                int before = acked.size();
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
                // The cluster goes on: new publishes to the moved slot are acknowledged again.
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= before + 300);
                producing.set(false);
                producer.join(30_000);

                // Jobs the dead broker had claimed for a worker but never delivered come back when
                // their lease (60 s, the v1 minimum) runs out.
                try {
                    Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                            .until(() -> handled.keySet().containsAll(acked));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    Set<String> missing = new java.util.TreeSet<>(acked);
                    missing.removeAll(handled.keySet());
                    StringBuilder why = new StringBuilder("acked " + acked.size() + ", handled " + handled.size() + ", missing "
                            + missing.size() + " e.g. " + missing.stream().limit(5).toList() + "; killed " + ownerId + " owning slot "
                            + slot + "; stats:");
                    for (String q : queues) {
                        why.append(' ').append(q).append('=').append(client.stats(q));
                    }
                    Files.writeString(Path.of("target", "chaos-diagnosis.txt"), why.toString());
                    for (JsonNode p : doc.path("processes")) {
                        Path log = Path.of(p.path("log").asText());
                        if (Files.exists(log)) {
                            Files.copy(log, Path.of("target", "chaos-" + p.path("id").asText() + ".log"),
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                    throw new AssertionError(why.toString(), e);
                }
                Thread.sleep(2000); // anything acknowledged that came back would show up now
                int handledOnce = handled.size();
                for (Worker w : workers) {
                    w.shutdown();
                }
                for (Worker w : workers) {
                    w.awaitTermination(Duration.ofSeconds(30));
                }
                Set<String> lost = new java.util.HashSet<>(acked);
                lost.removeAll(handled.keySet());
                assertThat(lost).as("acknowledged publishes never handled").isEmpty();
                assertThat(overlapping.get()).as("jobs held by two handlers at once").isZero();
                assertThat(handled.size()).isEqualTo(handledOnce);
                // What is still in a queue must be a job already handled whose ack died with the
                // broker (durable claim, lost delete): it comes back when its lease lapses, which is
                // at-least-once delivery. A job nobody handled must not be left behind.
                for (String q : queues) {
                    String marker = null;
                    while (true) {
                        var page = client.withClientId(java.util.UUID.randomUUID()).listMessages(q, marker, 20, true, true);
                        if (page.messages().isEmpty()) {
                            break;
                        }
                        for (var m : page.messages()) {
                            assertThat(handled).as("left in %s but never handled", q).containsKey(m.id());
                        }
                        marker = page.nextMarker();
                    }
                }
            }
        } finally {
            cluster.destroy();
            if (!cluster.waitFor(90, TimeUnit.SECONDS)) {
                cluster.destroyForcibly();
            }
            // the dev-cluster's own shutdown stops its children; make sure none survives the test
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(base.toString()))
                    .forEach(ProcessHandle::destroyForcibly);
            FileUtils.deleteDirectory(base.toFile());
        }
    }
}
