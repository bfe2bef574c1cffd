package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/baton} as a user runs it, on the distribution this build packaged (the test runs
 * after {@code package}): help on the command and a subcommand, and a wrong command answered in
 * a line with exit code 2. It neither builds (BATON_BUILD=0) nor records a class-data archive
 * (BATON_CDS=0): those take minutes and are measured by hand.
 */
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    private static String[] baton(String... args) throws Exception {
        return baton(null, args);
    }

    /** Runs bin/baton with {@code javaHome} as JAVA_HOME (null: unset). */
    private static String[] baton(Path javaHome, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(ROOT.resolve("bin/baton").toString()));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("BATON_BUILD", "0");
        b.environment().put("BATON_CDS", "0");
        if (javaHome == null) {
            b.environment().remove("JAVA_HOME");
        } else {
            b.environment().put("JAVA_HOME", javaHome.toString());
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    @Test
    void helpWorksOnTheCommandAndASubcommand() throws Exception {
        assertThat(Files.isExecutable(ROOT.resolve("bin/baton"))).isTrue();
        String[] root = baton("--help");
        assertThat(root[0]).as(root[1]).isEqualTo("0");
        assertThat(root[1]).startsWith("Usage: baton").contains("standalone", "broker", "gateway", "bench");
        String[] standalone = baton("standalone", "--help");
        assertThat(standalone[0]).as(standalone[1]).isEqualTo("0");
        assertThat(standalone[1]).startsWith("Usage: baton standalone").contains("--data-dir", "--http-port");
    }

    @Test
    void anUnknownCommandIsOneClearLineAndExitCode2() throws Exception {
        String[] r = baton("no-such-command");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).contains("Unmatched argument at index 0: 'no-such-command'").doesNotContain("Exception");
    }

    /**
     * JAVA_HOME chooses the JDK, and its release file says which options it takes: a JDK 24 or
     * later is told that Netty and Protobuf may use native libraries and sun.misc.Unsafe (it would
     * warn at every start), an older one is not (it would refuse the options). The JDKs here are
     * stand-ins whose java records its arguments; the other tests run the real one.
     */
    @Test
    void javaHomeChoosesTheJdkAndItsVersionTheOptions(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThat(argumentsGiven(fakeJdk(dir.resolve("jdk25"), "25.0.1"))).contains("--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "io.baton.deploy.Main --version");
        assertThat(argumentsGiven(fakeJdk(dir.resolve("jdk17"), "17.0.9"))).contains("io.baton.deploy.Main --version")
                .doesNotContain("--enable-native-access").doesNotContain("--sun-misc-unsafe-memory-access");
    }

    /** A JDK folder with a release file and a java that writes its arguments to args.txt. */
    private static Path fakeJdk(Path home, String version) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho \"$@\" > \"" + home.resolve("args.txt") + "\"\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        return home;
    }

    private static String argumentsGiven(Path home) throws Exception {
        String[] r = baton(home, "--version");
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        return Files.readString(home.resolve("args.txt"));
    }
}
