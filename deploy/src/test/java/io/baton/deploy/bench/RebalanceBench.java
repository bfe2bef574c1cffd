package io.baton.deploy.bench;

import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.deploy.DevClusterProcess;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.NewMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Publish latency while the cluster rebalances. In a fresh {@code baton dev-cluster} (3 brokers),
 * producer threads publish one job per call over 12 queues at a fixed rate, each call timed from
 * send to acknowledgement (SDK retries included). Phases of {@code phase} seconds: steady; a
 * fourth broker joins (the controller moves a quarter of the slots to it); it leaves again with
 * SIGTERM (it hands its slots back); a broker is SIGKILLed (its slots move after the session
 * timeout). Prints per-second figures and p50/p99/p99.9/max per phase.
 *
 * <p>Run: {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.RebalanceBench 2 15 1000 60"} (session timeout s,
 * phase s, publishes/s, warm-up s).
 */
public final class RebalanceBench {
    public static void main(String[] args) throws Exception {
        int sessionTimeout = Integer.parseInt(args[0]);
        int phase = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        int threads = 16;
        try (DevClusterProcess cluster = DevClusterProcess.start(3, 12, sessionTimeout);
             BatonClient client = BatonClient.builder().target(cluster.brokerAddresses()).project("rebalance")
                     .callTimeout(Duration.ofSeconds(30)).build()) {
            List<String> queues = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                queues.add("q" + i);
                client.createQueue("q" + i);
            }
            Recorder latency = new Recorder(3);
            LongAdder errors = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> producers = new ArrayList<>();
            long intervalNanos = 1_000_000_000L * threads / rate;
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread th = new Thread(() -> {
                    long next = System.nanoTime();
                    for (int i = first; running.get(); i += threads) {
                        next += intervalNanos;
                        LockSupport.parkNanos(next - System.nanoTime());
                        long t0 = System.nanoTime();
                        try {
                            client.publish(queues.get(i % queues.size()), List.of(new NewMessage(600, "{\"i\":" + i + "}")));
                            latency.recordValue((System.nanoTime() - t0) / 1000);
                        } catch (BatonException e) {
                            errors.increment();
                        }
                    }
                }, "producer-" + t);
                th.start();
                producers.add(th);
            }
            // Nine JVMs start cold on this machine: warm them up at the same load before measuring.
            Thread.sleep(warmup * 1000L);
            Map<String, Histogram> phases = new LinkedHashMap<>();
            String[] names = {"steady (3 brokers)", "broker-4 joins", "broker-4 leaves (SIGTERM, hand-over)", "a broker is SIGKILLed"};
            long start = System.nanoTime();
            latency.getIntervalHistogram();
            for (int p = 0; p < names.length; p++) {
                if (p == 1) {
                    cluster.startBroker("broker-4");
                } else if (p == 2) {
                    long pid = cluster.forget("broker-4");
                    DevClusterProcess.signal("TERM", pid);
                    long t0 = System.nanoTime();
                    ProcessHandle.of(pid).ifPresent(h -> h.onExit().thenRun(() -> System.out.printf(
                            "  (broker-4 exited %.2f s after SIGTERM)%n", (System.nanoTime() - t0) / 1e9)));
                } else if (p == 3) {
                    ClusterMap map = client.clusterMap();
                    String victim = map.getSlots(SlotHash.slotOf("rebalance", "q0", map.getSlotCount())).getBrokerId();
                    DevClusterProcess.signal("KILL", cluster.forget(victim));
                    names[p] = "SIGKILL of " + victim;
                }
                Histogram h = new Histogram(3);
                latency.getIntervalHistogram(); // what came before belongs to the previous phase
                for (int s = 0; s < phase; s++) {
                    long second = (System.nanoTime() - start) / 1_000_000_000L + 1;
                    LockSupport.parkNanos(start + second * 1_000_000_000L - System.nanoTime());
                    Histogram i = latency.getIntervalHistogram();
                    h.add(i);
                    System.out.printf("t=%3ds %-40s publishes=%5d p50=%6.2fms p99=%7.2fms max=%7.2fms errors=%d%n", second, names[p],
                            i.getTotalCount(), i.getValueAtPercentile(50) / 1000.0, i.getValueAtPercentile(99) / 1000.0,
                            i.getMaxValue() / 1000.0, errors.sum());
                }
                phases.put(names[p], h);
            }
            running.set(false);
            for (Thread t : producers) {
                t.join();
            }
            System.out.printf("%nrebalance bench: %d publishes/s target over %d threads, 12 queues, 12 slots, session timeout %d s, "
                    + "%d s warm-up, %d s per phase%n", rate, threads, sessionTimeout, warmup, phase);
            for (var e : phases.entrySet()) {
                Histogram h = e.getValue();
                System.out.printf("  %-40s %6.0f/s  p50 %6.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  max %7.2f ms%n", e.getKey(),
                        h.getTotalCount() / (double) phase, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
            }
            System.out.printf("  errors (publishes that failed after the SDK's retries): %d%n", errors.sum());
            cluster.copyLogs(java.nio.file.Path.of("target", "rebalance-logs"));
        }
    }
}
