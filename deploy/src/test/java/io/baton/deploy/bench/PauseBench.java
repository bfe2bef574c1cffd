package io.baton.deploy.bench;

import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.deploy.DevClusterProcess;
import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * False take-overs: in a fresh {@code baton dev-cluster} (session timeout as given) under a light
 * publishing load, one broker after the other is paused with SIGSTOP for {@code pause} ms every
 * {@code every} s, for {@code minutes} minutes. A slot whose epoch changed moved: with brokers that
 * only paused, each such move is a false take-over. Prints the moves, and the publishes that failed.
 * With {@code hogs} (optional), that many threads of this process spin all along, starving every
 * JVM of CPU as well.
 *
 * <p>Run: {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.PauseBench 10 30 1000 4"} (minutes, every s, pause ms, session timeout s
 * [, spinning threads]).
 */
public final class PauseBench {
    public static void main(String[] args) throws Exception {
        int minutes = Integer.parseInt(args[0]);
        int every = Integer.parseInt(args[1]);
        int pauseMs = Integer.parseInt(args[2]);
        int sessionTimeout = Integer.parseInt(args[3]);
        int hogs = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        try (DevClusterProcess cluster = DevClusterProcess.start(3, 12, sessionTimeout);
             BatonClient client = BatonClient.builder().target(cluster.brokerAddresses()).project("pauses")
                     .callTimeout(Duration.ofSeconds(30)).build()) {
            List<String> queues = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                queues.add("q-" + i);
                client.createQueue("q-" + i);
            }
            Map<Integer, Long> epochs = epochs(client.clusterMap());
            AtomicLong published = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
            Thread load = new Thread(() -> {
                int i = 0;
                while (System.nanoTime() < end) {
                    try {
                        client.publish(queues.get(i++ % queues.size()), List.of(new NewMessage(600, "1")));
                        published.incrementAndGet();
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            load.start();
            for (int h = 0; h < hogs; h++) {
                Thread hog = new Thread(() -> {
                    long x = 0;
                    while (System.nanoTime() < end) {
                        x += System.nanoTime() % 7;
                    }
                    if (x == 42) {
                        System.out.print("");
                    }
                });
                hog.setDaemon(true);
                hog.start();
            }
            String[] brokers = {"broker-1", "broker-2", "broker-3"};
            int pauses = 0;
            while (System.nanoTime() < end - Duration.ofSeconds(every).toNanos()) {
                Thread.sleep(every * 1000L - pauseMs);
                String victim = brokers[pauses++ % brokers.length];
                long pid = cluster.pid(victim);
                DevClusterProcess.signal("STOP", pid);
                Thread.sleep(pauseMs);
                DevClusterProcess.signal("CONT", pid);
                System.out.printf("pause %d: %s for %d ms%n", pauses, victim, pauseMs);
            }
            load.join();
            Thread.sleep(2_000);
            Map<Integer, Long> after = epochs(client.clusterMap());
            int moved = 0;
            for (Map.Entry<Integer, Long> e : epochs.entrySet()) {
                if (!e.getValue().equals(after.get(e.getKey()))) {
                    moved++;
                }
            }
            System.out.printf("pauses of %d ms every %d s for %d min (session timeout %d s, %d spinning threads): %d pauses,"
                    + " slots moved %d of %d, publishes %d, failed %d%n", pauseMs, every, minutes, sessionTimeout, hogs, pauses, moved,
                    epochs.size(), published.get(), failed.get());
        }
    }

    private static Map<Integer, Long> epochs(ClusterMap map) {
        Map<Integer, Long> epochs = new HashMap<>();
        for (SlotOwner s : map.getSlotsList()) {
            epochs.put(s.getSlot(), s.getEpoch());
        }
        return epochs;
    }
}
