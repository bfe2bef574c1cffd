package io.baton.deploy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.SlotHash;
import io.baton.api.v1.ClusterMap;
import io.baton.deploy.Main;
import io.baton.sdk.BatonClient;
import io.baton.sdk.Claim;
import io.baton.sdk.NewMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;

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
            Path base = Files.createTempDirectory("baton-failover");
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process cluster = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "dev-cluster", "--base-dir", base.toString(), "--http-port", "0", "--slots", "12",
                    "--session-timeout", Integer.toString(sessionTimeout))
                    .redirectErrorStream(true).redirectOutput(base.resolve("out.log").toFile()).start();
            try {
                Path json = base.resolve("cluster.json");
                while (!Files.exists(json)) {
                    Thread.sleep(200);
                }
                JsonNode doc = new ObjectMapper().readTree(json.toFile());
                Map<String, Long> pidById = new HashMap<>();
                List<String> addresses = new ArrayList<>();
                for (JsonNode p : doc.path("processes")) {
                    if (p.path("role").asText().equals("broker")) {
                        pidById.put(p.path("id").asText(), p.path("pid").asLong());
                        addresses.add(p.path("grpc").asText());
                    }
                }
                try (BatonClient client = BatonClient.builder().target(addresses.toArray(String[]::new)).project("failover")
                        .callTimeout(Duration.ofSeconds(60)).build()) {
                    for (int kill = 0; kill < 2; kill++) {
                        String queue = "q-" + c + "-" + kill;
                        client.createQueue(queue);
                        client.publish(queue, List.of(new NewMessage(3600, "1")));
                        ClusterMap map = client.clusterMap();
                        String owner = map.getSlots(SlotHash.slotOf("failover", queue, map.getSlotCount())).getBrokerId();
                        long t0 = System.nanoTime();
                        ProcessHandle.of(pidById.get(owner)).orElseThrow().destroyForcibly();
                        Claim claim = client.claim(queue, 1, 60, 60); // retried by the SDK until the slot is served again
                        double s = (System.nanoTime() - t0) / 1e9;
                        if (claim.isEmpty()) {
                            throw new IllegalStateException("the job was not there after failover");
                        }
                        seconds.add(s);
                        System.out.printf("cluster %d kill %d (%s): first successful claim after %.2f s%n", c, kill, owner, s);
                    }
                }
            } finally {
                cluster.destroy();
                cluster.waitFor(60, TimeUnit.SECONDS);
                ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(base.toString()))
                        .forEach(ProcessHandle::destroyForcibly);
                FileUtils.deleteDirectory(base.toFile());
            }
        }
        seconds.sort(Double::compare);
        System.out.printf("failover (session timeout %d s), %d kills: median %.2f s, worst %.2f s, all %s%n", sessionTimeout,
                seconds.size(), seconds.get(seconds.size() / 2), seconds.get(seconds.size() - 1), seconds);
    }
}
