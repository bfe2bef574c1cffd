package io.baton.deploy.bench;

import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.deploy.DevClusterProcess;
import io.baton.sdk.BatonClient;
import io.baton.sdk.Claim;
import io.baton.sdk.NewMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Failover time: in a fresh {@code baton dev-cluster} (session timeout as given), post a job to a
 * queue, SIGKILL the broker that owns its slot, and time until a claim on that queue succeeds on
 * the new owner. Two kills per cluster (3 brokers), {@code clusters} clusters.
 *
 * <p>Run: {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.FailoverBench 5 2"} (clusters, session timeout s).
 */
public final class FailoverBench {
    public static void main(String[] args) throws Exception {
        int clusters = Integer.parseInt(args[0]);
        int sessionTimeout = Integer.parseInt(args[1]);
        List<Double> seconds = new ArrayList<>();
        for (int c = 0; c < clusters; c++) {
            try (DevClusterProcess cluster = DevClusterProcess.start(3, 12, sessionTimeout);
                 BatonClient client = BatonClient.builder().target(cluster.brokerAddresses()).project("failover")
                         .callTimeout(Duration.ofSeconds(60)).build()) {
                for (int kill = 0; kill < 2; kill++) {
                    String queue = "q-" + c + "-" + kill;
                    client.createQueue(queue);
                    client.publish(queue, List.of(new NewMessage(3600, "1")));
                    ClusterMap map = client.clusterMap();
                    String owner = map.getSlots(SlotHash.slotOf("failover", queue, map.getSlotCount())).getBrokerId();
                    long t0 = System.nanoTime();
                    DevClusterProcess.signal("KILL", cluster.forget(owner));
                    Claim claim = client.claim(queue, 1, 60, 60); // retried by the SDK until the slot is served again
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (claim.isEmpty()) {
                        throw new IllegalStateException("the job was not there after failover");
                    }
                    seconds.add(s);
                    System.out.printf("cluster %d kill %d (%s): first successful claim after %.2f s%n", c, kill, owner, s);
                }
            }
        }
        seconds.sort(Double::compare);
        System.out.printf("failover (session timeout %d s), %d kills: median %.2f s, worst %.2f s, all %s%n", sessionTimeout,
                seconds.size(), seconds.get(seconds.size() / 2), seconds.get(seconds.size() - 1), seconds);
    }
}
