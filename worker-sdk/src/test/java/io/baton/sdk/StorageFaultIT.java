package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.log.FaultyDisk;
import io.baton.broker.testing.LocalBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker whose disk fails under load (every journal write refused, as on a full disk): the
 * slots with records in flight turn FAILED, say so in /health and in metrics, refuse work with a
 * retryable error, and serve again by themselves once the disk is healthy, without a restart.
 * Nothing acknowledged is lost.
 */
class StorageFaultIT {
    private static final HttpClient http = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(String scrape, String name) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }

    @Test
    @Timeout(180)
    void slotsFailLoudlyAndReopenByThemselvesOnceTheDiskIsHealthy() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        try (LocalBroker local = LocalBroker.start(b -> b.disk(disk).metricsPort(0));
             BatonClient client = BatonClient.builder().target(local.address()).project("faults")
                     .callTimeout(Duration.ofSeconds(2)).build()) {
            String base = "http://127.0.0.1:" + local.broker().metricsPort();
            List<String> queues = List.of("q1", "q2", "q3", "q4", "q5", "q6");
            queues.forEach(client::createQueue);
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService producers = Executors.newFixedThreadPool(3);
            for (int p = 0; p < 3; p++) {
                int producer = p;
                producers.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        String q = queues.get((i + producer) % queues.size());
                        try {
                            acked.addAll(client.publish(q, List.of(new NewMessage(600, "{\"i\":" + i + "}"))).ids());
                        } catch (UnavailableException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() > 300);
            assertThat(get(base + "/health").statusCode()).isEqualTo(204);

            disk.inject(FaultyDisk.under("journal"), FaultyDisk.Op.WRITE, FaultyDisk.ENOSPC, 0, -1);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get(base + "/health").statusCode() == 503);
            HttpResponse<String> health = get(base + "/health");
            assertThat(health.body()).contains("FAILED").contains(FaultyDisk.ENOSPC);
            assertThat(metric(get(base + "/metrics").body(), "baton_slots_failed")).isGreaterThan(0);
            // The broker's status (the console's overview) names the FAILED slots and why.
            // (Polled: a slot being reopened meanwhile is RECOVERING, not FAILED, until the reopen fails too.)
            Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                io.baton.api.v1.BrokerStatus status = client.brokerStatusAsync(local.address(), Duration.ofSeconds(5)).join();
                assertThat(status.getProblemsList()).anyMatch(p -> p.contains("FAILED"));
                assertThat(status.getSlotsList()).filteredOn(s -> s.getState().equals("FAILED")).isNotEmpty()
                        .allMatch(s -> s.getFailure().contains(FaultyDisk.ENOSPC));
            });
            int ackedDuringFault = acked.size();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> refused.get() > 10);
            Thread.sleep(1500); // reopen attempts happen meanwhile, and fail again
            assertThat(acked.size()).as("nothing is acknowledged while no journal write succeeds").isEqualTo(ackedDuringFault);

            disk.clear();
            Awaitility.await().atMost(Duration.ofSeconds(45)).until(() -> get(base + "/health").statusCode() == 204);
            int before = acked.size();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() > before + 300);
            assertThat(metric(get(base + "/metrics").body(), "baton_slots_failed")).isZero();
            assertThat(client.brokerStatusAsync(local.address(), Duration.ofSeconds(5)).join().getSlotsList())
                    .isNotEmpty().allMatch(s -> s.getState().equals("SERVING"));
            running.set(false);
            producers.shutdown();
            assertThat(producers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            Set<String> present = new HashSet<>();
            for (String q : queues) {
                List<String> ids = new ArrayList<>(acked);
                for (int i = 0; i < ids.size(); i += 20) {
                    client.getMessages(q, ids.subList(i, Math.min(ids.size(), i + 20))).forEach(m -> present.add(m.id()));
                }
            }
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(present);
            assertThat(lost).as("acknowledged messages missing after the fault").isEmpty();
        }
    }

    /**
     * A disk that hangs (an fsync that neither returns nor fails) is reported by /health and in
     * metrics while the commit waits, and nothing is acknowledged meanwhile; once the disk answers,
     * the waiting publish is acknowledged and the broker is healthy again, by itself.
     */
    @Test
    @Timeout(120)
    void aHungDiskIsReportedWhileItHangsAndTheBrokerResumesWhenItAnswers() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        try (LocalBroker local = LocalBroker.start(b -> b.disk(disk).metricsPort(0));
             BatonClient client = BatonClient.builder().target(local.address()).project("hangs")
                     .callTimeout(Duration.ofSeconds(60)).build()) {
            String base = "http://127.0.0.1:" + local.broker().metricsPort();
            client.createQueue("q");
            client.publish("q", List.of(new NewMessage(600, "{\"n\":1}")));
            assertThat(get(base + "/health").statusCode()).isEqualTo(204);
            assertThat(metric(get(base + "/metrics").body(), "baton_log_commit_running_seconds")).isZero();

            CountDownLatch answer = disk.hangForces(FaultyDisk.under("journal"));
            CompletableFuture<PublishResult> waiting =
                    client.publishAsync("q", List.of(new NewMessage(600, "{\"n\":2}")));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get(base + "/health").statusCode() == 503);
            assertThat(get(base + "/health").body()).contains("storage:").contains("has not finished a journal commit");
            assertThat(metric(get(base + "/metrics").body(), "baton_log_commit_running_seconds")).isGreaterThan(1.0);
            assertThat(waiting).as("nothing is acknowledged while the fsync hangs").isNotDone();

            answer.countDown();
            assertThat(waiting.get(30, TimeUnit.SECONDS).ids()).hasSize(1);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> get(base + "/health").statusCode() == 204);
            client.publish("q", List.of(new NewMessage(600, "{\"n\":3}")));
            assertThat(metric(get(base + "/metrics").body(), "baton_log_commit_running_seconds")).isZero();
        }
    }
}
