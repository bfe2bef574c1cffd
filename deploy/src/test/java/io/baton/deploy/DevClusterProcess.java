package io.baton.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;

/**
 * A real {@code baton dev-cluster} in child JVMs (ZooKeeper, 3 bookies, brokers and a gateway,
 * each its own process) for tests and benchmarks, plus brokers started later as an operator would
 * ({@code baton broker}). {@link #close()} stops every process it started (thawing frozen ones)
 * and deletes the directory.
 */
public final class DevClusterProcess implements AutoCloseable {
    private final Path base;
    private final Process cluster;
    private final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final Map<String, Long> pidById = new ConcurrentHashMap<>();
    private final Map<String, String> addressById = new ConcurrentHashMap<>();
    private final List<Process> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int slots;
    private final int sessionTimeoutSeconds;
    private String zookeeper;
    private String gatewayUrl;

    private DevClusterProcess(Path base, Process cluster, int slots, int sessionTimeoutSeconds) {
        this.base = base;
        this.cluster = cluster;
        this.slots = slots;
        this.sessionTimeoutSeconds = sessionTimeoutSeconds;
    }

    /** Starts {@code baton dev-cluster} with {@code brokers} brokers and waits (up to 3 min) for its cluster.json. */
    public static DevClusterProcess start(int brokers, int slots, int sessionTimeoutSeconds) throws Exception {
        Path base = Files.createTempDirectory("baton-dev-cluster");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "dev-cluster", "--base-dir", base.toString(), "--http-port", "0", "--brokers", Integer.toString(brokers),
                "--slots", Integer.toString(slots), "--session-timeout", Integer.toString(sessionTimeoutSeconds))
                .redirectErrorStream(true).redirectOutput(base.resolve("dev-cluster.out").toFile()).start();
        DevClusterProcess c = new DevClusterProcess(base, p, slots, sessionTimeoutSeconds);
        try {
            Path json = base.resolve("cluster.json");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!Files.exists(json)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("dev-cluster did not start; see " + base.resolve("dev-cluster.out"));
                }
                Thread.sleep(100);
            }
            JsonNode doc = new ObjectMapper().readTree(json.toFile());
            c.zookeeper = doc.path("zookeeper").asText();
            c.gatewayUrl = doc.path("gateway_url").asText();
            for (JsonNode n : doc.path("processes")) {
                if (n.path("role").asText().equals("broker")) {
                    c.pidById.put(n.path("id").asText(), n.path("pid").asLong());
                    c.addressById.put(n.path("id").asText(), n.path("grpc").asText());
                }
            }
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /** The gateway's v1 base URL ({@code http://127.0.0.1:PORT/v1}). */
    public String gatewayUrl() {
        return gatewayUrl;
    }

    /** The gRPC addresses of the brokers started so far (some may be dead). */
    public String[] brokerAddresses() {
        return new ArrayList<>(addressById.values()).toArray(String[]::new);
    }

    /** The pid of a broker this cluster started and has not been told is gone, or null. */
    public Long pid(String brokerId) {
        return pidById.get(brokerId);
    }

    /** Forgets a broker (after killing it). */
    public long forget(String brokerId) {
        return pidById.remove(brokerId);
    }

    /** Starts {@code baton broker --id id} against this cluster's ZooKeeper and waits until it is ready. */
    public void startBroker(String id) throws Exception {
        Path log = base.resolve(id + ".log");
        Process p = new ProcessBuilder(javaBin, "-Xmx256m", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),  "--add-opens", "java.base/java.io=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "broker", "--zookeeper", zookeeper, "--id", id,
                "--grpc-port", "0", "--metrics-port", "0", "--slots", Integer.toString(slots),
                "--session-timeout", Integer.toString(sessionTimeoutSeconds), "--data-dir", base.resolve(id).toString(),
                "--insecure-no-auth")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        pidById.put(id, p.pid());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String out = Files.readString(log);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("baton broker ready id=\\S+ grpc=(\\S+)").matcher(out);
            if (m.find()) {
                addressById.put(id, m.group(1));
                return;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(id + " did not start; see " + log);
            }
            Thread.sleep(100);
        }
    }

    /** Sends a signal (KILL, TERM, STOP, CONT) to a process. */
    public static void signal(String signal, long pid) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies every process's log (and the dev-cluster's output) to {@code to}. */
    public void copyLogs(Path to) throws IOException {
        FileUtils.deleteDirectory(to.toFile());
        Files.createDirectories(to);
        try (var logs = Files.list(base)) {
            for (Path log : logs.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).toList()) {
                Files.copy(log, to.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Override
    public void close() throws Exception {
        // Every process to stop: the dev-cluster's children (found by ancestry: a command line
        // as long as a test classpath is truncated by the OS view ProcessHandle reads) and the
        // brokers started here.
        List<ProcessHandle> all = new ArrayList<>(cluster.toHandle().descendants().toList());
        started.forEach(p -> all.add(p.toHandle()));
        for (ProcessHandle p : all) {
            signal("CONT", p.pid()); // a frozen process cannot run its shutdown hook
        }
        cluster.destroy(); // SIGTERM: the dev-cluster stops its children
        started.forEach(Process::destroy);
        if (!cluster.waitFor(90, TimeUnit.SECONDS)) {
            cluster.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
                p.onExit().get(30, TimeUnit.SECONDS);
            }
        }
        FileUtils.deleteDirectory(base.toFile());
    }
}
