package io.baton.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code baton standalone} in its own JVM, on free ports, for crash tests. */
final class BrokerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("baton standalone ready grpc=(\\S+) http=(\\S+) metrics=(\\S+)/metrics");

    private final Process process;
    private final String grpcAddress;
    private final String metricsBase;

    private final String httpBase;

    private BrokerProcess(Process process, String grpcAddress, String httpBase, String metricsBase) {
        this.process = process;
        this.httpBase = httpBase;
        this.grpcAddress = grpcAddress;
        this.metricsBase = metricsBase;
    }

    static BrokerProcess start(Path dataDir, Path logFile) throws Exception {
        return start(dataDir, logFile, "256m");
    }

    /** A standalone with a heap of {@code heap} (as -Xmx takes it). */
    static BrokerProcess start(Path dataDir, Path logFile, String heap, String... options) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "standalone", "--data-dir", dataDir.toString(), "--grpc-port", "0",
                "--metrics-port", "0", "--http-port", "0", "--slots", "16", "--disk-free-min", "1m", "--disk-reserve", "1m"));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Matcher> address = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        return m;
                    }
                }
                throw new IllegalStateException("broker exited before it was ready");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Matcher a = address.get(60, TimeUnit.SECONDS);
            // Keep draining stdout so the child never blocks on a full pipe.
            Thread drain = new Thread(() -> {
                try {
                    while (out.readLine() != null) {
                        // discard
                    }
                } catch (IOException e) {
                    // process gone
                }
            });
            drain.setDaemon(true);
            drain.start();
            return new BrokerProcess(p, a.group(1), a.group(2), a.group(3));
        } catch (Exception e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    String grpcAddress() {
        return grpcAddress;
    }

    /** {@code http://host:port/v1}: its REST gateway. */
    String httpBase() {
        return httpBase;
    }

    /** {@code http://host:port} of its /metrics and /health. */
    String metricsBase() {
        return metricsBase;
    }

    /** File descriptors the process holds now (Linux). */
    long openFiles() {
        String[] fds = new java.io.File("/proc/" + process.pid() + "/fd").list();
        return fds == null ? -1 : fds.length;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
