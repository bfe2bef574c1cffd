package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.NewMessage;
import io.baton.sdk.ResourceExhaustedException;
import io.baton.sdk.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real standalone with a 128 MiB heap under a publish-only load that offers several times its
 * heap in messages, with no workers: it stays up and answers, taking a backlog larger than its
 * heap (bodies stay on disk) and refusing publishes cleanly (RESOURCE_EXHAUSTED naming the memory
 * budget) if its budget is reached; killed and restarted with the same heap it serves every
 * acknowledged message; and workers then drain the whole backlog. The broker runs with
 * -XX:+ExitOnOutOfMemoryError, so an OutOfMemoryError ends it and fails the test.
 */
class SmallHeapIT {
    private static final String HEAP = "128m";
    /** About 1 KB per message, as in the issue that asked for this test. */
    private static final String BODY = "{\"pad\":\"" + "x".repeat(1000) + "\"}";
    /** Offered before the load stops: twice the heap. */
    private static final long OFFER_BYTES = 256L << 20;

    private static final HttpClient http = HttpClient.newHttpClient();

    private static int health(BrokerProcess b) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(b.metricsBase() + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static BatonClient client(String address) {
        return BatonClient.builder().target(address).project("heap").callTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    @Timeout(300)
    void aSmallHeapRefusesWritesCleanlyRestartsWithItsBacklogAndDrains() throws Exception {
        Path dir = Files.createTempDirectory("baton-small-heap");
        Path data = dir.resolve("data");
        Path log = dir.resolve("broker.log");
        List<String> queues = List.of("jobs-a", "jobs-b", "jobs-c", "jobs-d");
        Map<String, Set<String>> acked = new ConcurrentHashMap<>();
        queues.forEach(q -> acked.put(q, ConcurrentHashMap.newKeySet()));
        AtomicLong offered = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<String> otherFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            BrokerProcess broker = BrokerProcess.start(data, log, HEAP);
            try (BatonClient setup = client(broker.grpcAddress())) {
                queues.forEach(setup::createQueue);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService producers = Executors.newFixedThreadPool(4);
            for (int p = 0; p < 4; p++) {
                int producer = p;
                producers.submit(() -> {
                    try (BatonClient c = client(broker.grpcAddress())) {
                        List<NewMessage> batch = new ArrayList<>();
                        for (int k = 0; k < 10; k++) {
                            batch.add(new NewMessage(3600, BODY));
                        }
                        for (int i = 0; running.get() && offered.get() < OFFER_BYTES; i++) {
                            String q = queues.get((i + producer) % queues.size());
                            offered.addAndGet(10L * BODY.length());
                            try {
                                acked.get(q).addAll(c.publish(q, batch).ids());
                            } catch (ResourceExhaustedException e) {
                                refused.incrementAndGet();
                                if (!e.getMessage().contains("memory budget")) {
                                    otherFailures.add(e.getMessage());
                                }
                            } catch (BatonException e) {
                                otherFailures.add(e.code() + ": " + e.getMessage());
                            }
                        }
                    }
                    return null;
                });
            }
            producers.shutdown();
            assertThat(producers.awaitTermination(180, TimeUnit.SECONDS)).as("the load finished").isTrue();
            running.set(false);
            long backlog = acked.values().stream().mapToLong(Set::size).sum();
            assertThat(broker.alive()).as("the broker survived the load").isTrue();
            assertThat(otherFailures).as("every failed publish was a clean refusal").isEmpty();
            assertThat(backlog * BODY.length()).as("a backlog larger than the heap").isGreaterThan(128L << 20);
            assertThat(health(broker)).isEqualTo(204);
            try (BatonClient c = client(broker.grpcAddress())) {
                // Still answering: reads and claims work at the budget.
                assertThat(c.stats("jobs-a").total()).isEqualTo(acked.get("jobs-a").size());
            }

            broker.kill();
            try (BrokerProcess restarted = BrokerProcess.start(data, log, HEAP);
                 BatonClient c = client(restarted.grpcAddress())) {
                for (String q : queues) {
                    List<String> ids = new ArrayList<>(acked.get(q));
                    long present = 0;
                    for (int i = 0; i < ids.size(); i += 20) {
                        present += c.getMessages(q, ids.subList(i, Math.min(ids.size(), i + 20))).size();
                    }
                    assertThat(present).as("acknowledged messages of %s after the restart", q).isEqualTo(ids.size());
                }
                AtomicLong handled = new AtomicLong();
                List<Worker> workers = new ArrayList<>();
                for (String q : queues) {
                    workers.add(Worker.builder(c).queue(q).handler(job -> handled.incrementAndGet()).concurrency(2)
                            .maxOutstanding(64).build().start());
                }
                try {
                    Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> handled.get() >= backlog
                            && queues.stream().allMatch(q -> c.stats(q).total() == 0));
                } finally {
                    workers.forEach(Worker::shutdownNow);
                }
                assertThat(restarted.alive()).isTrue();
                assertThat(health(restarted)).isEqualTo(204);
            }
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }
}
