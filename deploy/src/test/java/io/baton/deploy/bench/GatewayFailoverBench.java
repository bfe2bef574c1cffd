package io.baton.deploy.bench;

import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.deploy.DevClusterProcess;
import io.baton.sdk.BatonClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failover as a REST client sees it: in a fresh {@code baton dev-cluster} (session timeout as
 * given), {@code queues} queues are each posted to every {@code interval} ms through the gateway
 * (one thread per queue, one message per POST); 10 s in, the broker owning the first queue's slot
 * is SIGKILLed; 15 s later the posting stops. Per queue, the longest gap between two successful
 * posts; every POST that did not answer 201 counts as failed. One kill per cluster.
 *
 * <p>Run: {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.GatewayFailoverBench 3 4 16 20"} (clusters, session
 * timeout s, queues, interval ms).
 */
public final class GatewayFailoverBench {
    public static void main(String[] args) throws Exception {
        int clusters = Integer.parseInt(args[0]);
        int sessionTimeout = Integer.parseInt(args[1]);
        int queueCount = Integer.parseInt(args[2]);
        int intervalMs = Integer.parseInt(args[3]);
        String project = "failover";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Double> movedGaps = new ArrayList<>();
        long failedTotal = 0;
        for (int c = 0; c < clusters; c++) {
            try (DevClusterProcess cluster = DevClusterProcess.start(3, 12, sessionTimeout);
                 BatonClient client = BatonClient.builder().target(cluster.brokerAddresses()).project(project).build()) {
                String base = cluster.gatewayUrl();
                List<String> queues = new ArrayList<>();
                for (int i = 0; i < queueCount; i++) {
                    String q = "q-" + i;
                    queues.add(q);
                    HttpResponse<String> r = http.send(request(base + "/queues/" + q, project).PUT(HttpRequest.BodyPublishers.noBody())
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 201 && r.statusCode() != 204) {
                        throw new IllegalStateException("PUT queue " + q + ": " + r.statusCode() + " " + r.body());
                    }
                }
                ClusterMap map = client.clusterMap();
                String victim = map.getSlots(SlotHash.slotOf(project, queues.get(0), map.getSlotCount())).getBrokerId();
                List<Boolean> moved = new ArrayList<>();
                for (String q : queues) {
                    moved.add(victim.equals(map.getSlots(SlotHash.slotOf(project, q, map.getSlotCount())).getBrokerId()));
                }
                long start = System.nanoTime();
                long end = start + Duration.ofSeconds(25).toNanos();
                long[] longestGap = new long[queueCount];
                AtomicLong failed = new AtomicLong();
                AtomicLong posted = new AtomicLong();
                List<Thread> posters = new ArrayList<>();
                for (int i = 0; i < queueCount; i++) {
                    int qi = i;
                    Thread t = new Thread(() -> {
                        long last = System.nanoTime();
                        HttpRequest post = request(base + "/queues/" + queues.get(qi) + "/messages", project)
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString("[{\"ttl\": 300, \"body\": {\"n\": 1}}]")).build();
                        while (System.nanoTime() < end) {
                            try {
                                HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
                                long now = System.nanoTime();
                                if (r.statusCode() == 201) {
                                    longestGap[qi] = Math.max(longestGap[qi], now - last);
                                    last = now;
                                    posted.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                }
                                Thread.sleep(intervalMs);
                            } catch (InterruptedException e) {
                                return;
                            } catch (Exception e) {
                                failed.incrementAndGet();
                            }
                        }
                    });
                    t.start();
                    posters.add(t);
                }
                Thread.sleep(10_000);
                DevClusterProcess.signal("KILL", cluster.forget(victim));
                for (Thread t : posters) {
                    t.join();
                }
                double worstMoved = 0;
                double worstOther = 0;
                int movedCount = 0;
                for (int i = 0; i < queueCount; i++) {
                    double gap = longestGap[i] / 1e9;
                    if (moved.get(i)) {
                        movedCount++;
                        movedGaps.add(gap);
                        worstMoved = Math.max(worstMoved, gap);
                    } else {
                        worstOther = Math.max(worstOther, gap);
                    }
                }
                failedTotal += failed.get();
                System.out.printf("cluster %d: killed %s (owner of %d of %d queues): longest gap %.2f s on its queues, %.2f s on"
                        + " the others; %d posts, %d failed%n", c, victim, movedCount, queueCount, worstMoved, worstOther, posted.get(),
                        failed.get());
            }
        }
        movedGaps.sort(Double::compare);
        System.out.printf("gateway failover (session timeout %d s), %d clusters: longest gap per moved queue median %.2f s, worst %.2f s;"
                + " failed posts %d%n", sessionTimeout, clusters, movedGaps.get(movedGaps.size() / 2),
                movedGaps.get(movedGaps.size() - 1), failedTotal);
    }

    private static HttpRequest.Builder request(String url, String project) {
        return HttpRequest.newBuilder(URI.create(url)).header("Client-ID", UUID.randomUUID().toString()).header("X-Project-Id", project);
    }
}
