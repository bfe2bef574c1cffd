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
        List<String> command = new java.util.ArrayList<>(List.of(ROOT.resolve("bin/baton").toString()));
        command.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("BATON_BUILD", "0");
        b.environment().put("BATON_CDS", "0");
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
}
