package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@code baton} command line as a user meets it, in processes of its own: {@code --help} on
 * every command (exit code 0 and the command's usage), and a port already in use as one line.
 */
class CommandLineTest {
    private static String[] run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    @Test
    void everyCommandAnswersHelp() throws Exception {
        String[] root = run("--help");
        assertThat(root[0]).isEqualTo("0");
        assertThat(root[1]).startsWith("Usage: baton").contains("standalone", "broker", "gateway", "bench");
        // In-process for the rest (the same command line main() runs): every subcommand, nested ones too.
        List<String> paths = new ArrayList<>();
        collect(Main.commandLine(), "", paths);
        assertThat(paths).contains("standalone", "queue stats", "post");
        for (String path : paths) {
            java.io.StringWriter text = new java.io.StringWriter();
            picocli.CommandLine c = Main.commandLine();
            c.setOut(new java.io.PrintWriter(text));
            List<String> args = new ArrayList<>(List.of(path.split(" ")));
            args.add("--help");
            assertThat(c.execute(args.toArray(String[]::new))).as(path).isZero();
            assertThat(text.toString()).as(path).startsWith("Usage: baton " + path);
        }
        String[] standalone = run("standalone", "--help");
        assertThat(standalone[0]).isEqualTo("0");
        assertThat(standalone[1]).contains("--data-dir", "--host", "--advertise", "--memory-budget", "--project-quotas");
    }

    private static void collect(picocli.CommandLine c, String prefix, List<String> out) {
        c.getSubcommands().forEach((name, sub) -> {
            String path = prefix.isEmpty() ? name : prefix + " " + name;
            out.add(path);
            collect(sub, path, out);
        });
    }

    @Test
    void aPortInUseIsOneClearLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String[] r = run("standalone", "--data-dir", dir.toString(), "--grpc-port", "0", "--http-port",
                    Integer.toString(taken.getLocalPort()), "--metrics-port", "0");
            assertThat(r[0]).isEqualTo("1");
            assertThat(r[1]).contains("baton standalone: cannot listen for HTTP on 127.0.0.1:" + taken.getLocalPort(),
                    "Address already in use", "Another process listens there");
            assertThat(r[1]).doesNotContain("\tat ", "Exception in thread");
        }
    }

    /** Runs {@code baton ARGS} in this JVM: exit code and what it printed to stderr. */
    private static String[] inProcess(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine c = Main.commandLine();
        c.setErr(new java.io.PrintWriter(err));
        int exit = c.execute(args);
        return new String[] {Integer.toString(exit), err.toString()};
    }

    /**
     * What bin/baton runs under -XX:ArchiveClassesAtExit to record its class-data archive: a
     * standalone of its own on free ports, put under load and through the REST API, then stopped,
     * leaving nothing behind. (The archive itself needs the packaged jars, which a test run does
     * not have: bin/baton's use of it is measured in docs/BENCHMARKS.md.)
     */
    @Test
    void theTrainingRunForTheClassDataArchiveWorksAndCleansUp() throws Exception {
        java.util.Set<String> before = tempFolders();
        String[] r = inProcess("cds-train", "--seconds", "1");
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(tempFolders()).isEqualTo(before);
    }

    private static java.util.Set<String> tempFolders() throws IOException {
        try (var list = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("baton-cds-train"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void aLedgerEntrySizeOutOfRangeIsAClearErrorBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (String size : List.of("-1", "99999999")) {
            String[] r = inProcess("broker", "--zookeeper", "127.0.0.1:1", "--id", "b1", "--data-dir", dir.resolve("b").toString(),
                    "--insecure-no-auth", "--ledger-entry-bytes", size);
            assertThat(r[0]).as(size).isEqualTo("2");
            assertThat(r[1]).contains("--ledger-entry-bytes must be 0 (a record per entry) to 4194304").doesNotContain("Exception");
            String[] cluster = inProcess("dev-cluster", "--base-dir", dir.resolve("dc").toString(), "--ledger-entry-bytes", size);
            assertThat(cluster[0]).as(size).isEqualTo("2");
            assertThat(cluster[1]).contains("--ledger-entry-bytes must be 0").doesNotContain("Exception");
        }
        assertThat(dir.resolve("dc")).as("nothing started").doesNotExist();
    }

    @Test
    void rolesOtherHostsReachRefuseToRunWithoutAuthenticationUnlessTold(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        for (String[] args : List.of(
                new String[] {"broker", "--zookeeper", "127.0.0.1:1", "--id", "b1", "--data-dir", dir.resolve("b").toString()},
                new String[] {"gateway", "--brokers", "127.0.0.1:1"},
                new String[] {"standalone", "--host", "0.0.0.0", "--data-dir", dir.resolve("s").toString()})) {
            String[] r = inProcess(args);
            assertThat(r[0]).as(String.join(" ", args)).isEqualTo("2");
            assertThat(r[1]).contains("--auth tokens", "--insecure-no-auth");
        }
        // With auth on, a broker or gateway needs the token it calls brokers with.
        Path tokens = dir.resolve("tokens.json");
        java.nio.file.Files.writeString(tokens, "{\"tokens\": {\"a-token-0123456789abcdef\": [\"a\"]}}");
        for (String[] args : List.of(
                new String[] {"gateway", "--brokers", "127.0.0.1:1", "--auth", "tokens", "--tokens-file", tokens.toString()},
                new String[] {"broker", "--zookeeper", "127.0.0.1:1", "--id", "b1", "--data-dir", dir.resolve("b").toString(),
                        "--auth", "tokens", "--tokens-file", tokens.toString()})) {
            String[] r = inProcess(args);
            assertThat(r[0]).as(String.join(" ", args)).isEqualTo("2");
            assertThat(r[1]).contains("--service-token-file");
        }
    }

    @Test
    void tokensInitMakesTheSecretsOfAnAuthenticatedDeploymentOnce(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secrets = dir.resolve("secrets");
        assertThat(inProcess("tokens", "init", secrets.toString(), "--project", "shop,ops")[0]).isEqualTo("0");
        io.baton.auth.TokenGrants grants = io.baton.auth.TokenGrants.parse(java.nio.file.Files.readAllBytes(secrets.resolve("tokens.json")));
        assertThat(grants.size()).isEqualTo(3);
        String service = java.nio.file.Files.readString(secrets.resolve("service.token")).trim();
        assertThat(grants.projectsOf(service)).containsExactly(io.baton.auth.Credentials.ANY_PROJECT);
        assertThat(java.nio.file.Files.getPosixFilePermissions(secrets.resolve("tokens.json")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        byte[] before = java.nio.file.Files.readAllBytes(secrets.resolve("tokens.json"));
        assertThat(inProcess("tokens", "init", secrets.toString())[0]).isEqualTo("1"); // never overwrites
        assertThat(java.nio.file.Files.readAllBytes(secrets.resolve("tokens.json"))).isEqualTo(before);
    }

    @Test
    void nettysLeakDetectorIsOffUnlessTheOperatorSetItsLevel() {
        java.util.Map<String, String> saved = new java.util.HashMap<>();
        Main.LEAK_DETECTION.forEach(p -> saved.put(p, System.getProperty(p)));
        try {
            System.clearProperty(Main.LEAK_DETECTION.get(0));
            System.setProperty(Main.LEAK_DETECTION.get(1), "paranoid");
            Main.withoutLeakDetection();
            assertThat(System.getProperty(Main.LEAK_DETECTION.get(0))).isEqualTo("disabled");
            assertThat(System.getProperty(Main.LEAK_DETECTION.get(1))).isEqualTo("paranoid");
        } finally {
            saved.forEach((p, v) -> {
                if (v == null) {
                    System.clearProperty(p);
                } else {
                    System.setProperty(p, v);
                }
            });
        }
    }
}
