package io.baton.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baton dev-cluster}: ZooKeeper, three bookies, three brokers and a gateway on this machine,
 * each a process of its own, for trying failover by hand: kill a broker by its pid (from
 * {@code DIR/cluster.json}) and watch its slots move. Restarts nothing by itself; stops everything
 * on Ctrl-C or SIGTERM.
 */
@Command(name = "dev-cluster", description = "Run ZooKeeper, 3 bookies, 3 brokers and a gateway as separate local processes.")
final class DevClusterCommand implements Callable<Integer> {
    @Option(names = "--base-dir", defaultValue = "dev-cluster", description = "Where every process keeps data and logs (default: ${DEFAULT-VALUE}).")
    Path baseDir;

    @Option(names = "--brokers", defaultValue = "3", description = "Brokers (default: ${DEFAULT-VALUE}).")
    int brokerCount;

    @Option(names = "--bookies", defaultValue = "3", description = "Bookies (default: ${DEFAULT-VALUE}).")
    int bookieCount;

    @Option(names = "--http-port", defaultValue = "8888", description = "Gateway port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--slots", defaultValue = "64", description = "Slot count (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--session-timeout", defaultValue = "4", description = "Brokers' ZooKeeper session timeout, seconds (default: ${DEFAULT-VALUE}).")
    int sessionTimeout;

    @picocli.CommandLine.Mixin
    LedgerEntryOptions ledgerEntries;

    private record Child(String role, String id, Process process, Path log, Matcher ready) {}

    private final List<Child> children = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ledgerEntries.batching(); // refused before anything starts
        Path base = baseDir.toAbsolutePath();
        Files.createDirectories(base);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "dev-cluster-stop"));
        Child zk = launch("zookeeper", "zk", Pattern.compile("ready connect=(\\S+)"),
                List.of("zookeeper", "--port", "0", "--data-dir", base.resolve("zookeeper").toString()), base);
        String zkConnect = zk.ready().group(1);
        List<Integer> bookiePorts = new ArrayList<>();
        for (int i = 1; i <= bookieCount; i++) {
            int port = freePort();
            bookiePorts.add(port);
            launch("bookie", "bookie-" + i, Pattern.compile("ready address=(\\S+)"), List.of("bookie", "--zookeeper", zkConnect,
                    "--port", Integer.toString(port), "--data-dir", base.resolve("bookie-" + i).toString()), base);
        }
        List<String> brokerAddresses = new ArrayList<>();
        List<Child> brokers = new ArrayList<>();
        for (int i = 1; i <= brokerCount; i++) {
            Child b = launch("broker", "broker-" + i, Pattern.compile("ready id=\\S+ grpc=(\\S+) metrics=(\\S+)"),
                    List.of("broker", "--zookeeper", zkConnect, "--id", "broker-" + i, "--grpc-port", "0", "--metrics-port", "0",
                            "--slots", Integer.toString(slots), "--session-timeout", Integer.toString(sessionTimeout),
                            "--ledger-entry-bytes", Integer.toString(ledgerEntries.bytes),
                            "--data-dir", base.resolve("broker-" + i).toString(), "--insecure-no-auth"), base);
            brokers.add(b);
            brokerAddresses.add(b.ready().group(1));
        }
        Child gateway = launch("gateway", "gateway", Pattern.compile("ready http=(\\S+) metrics=(\\S+)"),
                List.of("gateway", "--brokers", String.join(",", brokerAddresses), "--http-port", Integer.toString(httpPort),
                        "--metrics-port", "0", "--insecure-no-auth"), base);

        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = json.createObjectNode();
        doc.put("base_dir", base.toString());
        doc.put("zookeeper", zkConnect);
        doc.put("gateway_url", gateway.ready().group(1));
        ArrayNode list = doc.putArray("processes");
        for (Child c : children) {
            ObjectNode n = list.addObject();
            n.put("role", c.role());
            n.put("id", c.id());
            n.put("pid", c.process().pid());
            n.put("log", c.log().toString());
            switch (c.role()) {
                case "zookeeper" -> n.put("connect", c.ready().group(1));
                case "bookie" -> n.put("address", c.ready().group(1));
                case "broker" -> {
                    n.put("grpc", c.ready().group(1));
                    n.put("metrics", c.ready().group(2));
                }
                default -> {
                    n.put("http", c.ready().group(1));
                    n.put("metrics", c.ready().group(2));
                }
            }
        }
        Path clusterJson = base.resolve("cluster.json");
        Files.writeString(clusterJson, json.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        System.out.printf("baton dev-cluster ready gateway=%s cluster=%s%n", gateway.ready().group(1), clusterJson);
        for (Child b : brokers) {
            System.out.printf("  %s pid %d grpc %s (kill -9 %d to watch its slots move)%n", b.id(), b.process().pid(),
                    b.ready().group(1), b.process().pid());
        }
        System.out.flush();
        new CountDownLatch(1).await(); // until Ctrl-C / SIGTERM; the shutdown hook stops the children
        return 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The JVM options of a child: those {@code bin/baton} gave this process ({@code parent}: the
     * class-data archive, the page and GC flags, BATON_JAVA_OPTS), so that every role starts the
     * way a role started alone would; without its heap size, system properties, agents or an
     * archive recording; and a heap of 512 MiB each (eight JVMs share the machine). A parent
     * started some other way still gives its children the options the brokers need.
     */
    static List<String> childJvmOptions(List<String> parent) {
        List<String> out = new ArrayList<>(List.of("--add-opens=java.base/java.io=ALL-UNNAMED", "-XX:MaxTenuringThreshold=2"));
        for (String a : parent) {
            boolean own = a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-XX:MaxHeapSize=")
                    || a.startsWith("-XX:InitialHeapSize=") || a.startsWith("-D") || a.startsWith("-javaagent")
                    || a.startsWith("-agentlib") || a.startsWith("-agentpath") || a.startsWith("-XX:ArchiveClassesAtExit")
                    || a.equals("-Xint");
            if (!own && !out.contains(a)) {
                out.add(a);
            }
        }
        out.add("-Xmx512m");
        return out;
    }

    /** Starts {@code baton <args>} as a child JVM, copies its output to DIR/id.log and waits for its ready line. */
    private Child launch(String role, String id, Pattern ready, List<String> args, Path base) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(childJvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.addAll(List.of("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), // children keep their temp files where the parent does
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        Path log = base.resolve(id + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Matcher> readyLine = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                    Matcher m = ready.matcher(line);
                    if (!readyLine.isDone() && m.find()) {
                        readyLine.complete(m);
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
            readyLine.completeExceptionally(new IllegalStateException(id + " exited before it was ready; see " + log));
        }, "dev-cluster-" + id);
        pump.setDaemon(true);
        pump.start();
        Child c = new Child(role, id, p, log, null);
        children.add(c);
        Matcher m = readyLine.get(120, TimeUnit.SECONDS);
        Child started = new Child(role, id, p, log, m);
        children.set(children.size() - 1, started);
        System.out.printf("%-9s %-9s pid %-7d ready%n", role, id, p.pid());
        return started;
    }

    private void stopAll() {
        // Reverse order: gateway, brokers, bookies, then ZooKeeper.
        for (int i = children.size() - 1; i >= 0; i--) {
            Process p = children.get(i).process();
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
