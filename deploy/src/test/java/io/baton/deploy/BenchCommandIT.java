package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.broker.testing.LocalBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code baton bench --json} against a real broker: the last line is the promised JSON object. */
class BenchCommandIT {

    /** Runs {@code baton bench} with these arguments; returns its exit code and its own lines. */
    private record Run(int exit, String[] lines) {}

    private static Run bench(String... args) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new Main()).execute(args);
        } finally {
            System.setOut(original);
        }
        // Only the bench's own lines: log lines of other components (logback writes to
        // System.out too, e.g. a bookie of an earlier test class stopping) are not its output.
        String[] lines = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("t=") || l.startsWith("turn") || l.startsWith("summary:") || l.startsWith("publish,") || l.startsWith("{"))
                .toArray(String[]::new);
        return new Run(exit, lines);
    }

    @Test
    void oneJobAtATimeReportsThePublishRoundTrip() throws Exception {
        try (LocalBroker broker = LocalBroker.start()) {
            Run run = bench("bench", "--target", broker.address(), "--duration", "1", "--one-at-a-time", "--producers", "2",
                    "--workers", "2", "--json");
            assertThat(run.lines()).anySatisfy(l -> assertThat(l).startsWith("publish, one job per call: round trip p50"));
            JsonNode result = new ObjectMapper().readTree(run.lines()[run.lines().length - 1]);
            assertThat(result.path("publish_p50_ms").asDouble()).isPositive();
            assertThat(result.path("publish_p99_ms").asDouble()).isGreaterThanOrEqualTo(result.path("publish_p50_ms").asDouble());
            assertThat(result.path("lost").asLong()).isZero();
            assertThat(result.path("published").asLong()).isGreaterThan(0);
            assertThat(run.exit()).isZero();
        }
    }

    @Test
    void benchEndsWithOneJsonLineAndLosesNothing() throws Exception {
        try (LocalBroker broker = LocalBroker.start()) {
            Run run = bench("bench", "--target", broker.address(), "--duration", "2",
                    "--rate", "500", "--producers", "1", "--workers", "2", "--json");
            String[] lines = run.lines();
            int exit = run.exit();
            assertThat(lines.length).isGreaterThanOrEqualTo(3);
            assertThat(lines[0]).startsWith("t= 1s");
            JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
            for (String field : new String[] {"jobs_per_sec", "p50_ms", "p99_ms", "p999_ms", "redeliveries", "errors", "lost"}) {
                assertThat(result.has(field)).as(field).isTrue();
            }
            assertThat(result.path("lost").asLong()).isZero();
            assertThat(result.path("errors").asLong()).isZero();
            assertThat(result.path("published").asLong()).isGreaterThan(0);
            // The load generator's own CPU while measuring: HotSpot tells it, so it is there.
            assertThat(result.path("bench_cpu_us_per_job").asDouble()).isPositive();
            assertThat(exit).isZero();
        }
    }

    @Test
    void turnsCompareThePoisonLoadWithThePlainOneInOneRun() throws Exception {
        try (LocalBroker broker = LocalBroker.start()) {
            Run run = bench("bench", "--target", broker.address(), "--duration", "4", "--turns", "2", "--poison-rate", "0.1",
                    "--poison-burst", "3", "--max-attempts", "2", "--broker-pid", Long.toString(ProcessHandle.current().pid()), "--json");
            assertThat(run.lines()).filteredOn(l -> l.startsWith("turn ")).extracting(l -> l.substring(9, 10))
                    .containsExactly("A", "B");
            assertThat(run.lines()).anySatisfy(l -> assertThat(l).startsWith("turns: 1 pairs; A (plain)"));
            JsonNode result = new ObjectMapper().readTree(run.lines()[run.lines().length - 1]);
            assertThat(result.path("turn_pairs").asInt()).isEqualTo(1);
            assertThat(result.path("turns_a_jobs_per_sec").asLong()).isPositive();
            assertThat(result.path("turns_b_jobs_per_sec").asLong()).isPositive();
            assertThat(result.path("turns_b_over_a").asDouble()).isPositive();
            // Poison jobs are sent in B turns only, and every one of them was dead-lettered.
            assertThat(result.path("handler_failures").asLong()).isPositive();
            assertThat(result.path("lost").asLong()).isZero();
            assertThat(run.exit()).isZero();
        }
    }

    @Test
    void turnsNeedTwoOfThemAtLeastTwoSecondsLong() {
        assertThat(bench("bench", "--target", "127.0.0.1:1", "--duration", "3", "--turns", "2").exit()).isEqualTo(2);
        assertThat(bench("bench", "--target", "127.0.0.1:1", "--duration", "10", "--turns", "1").exit()).isEqualTo(2);
        assertThat(bench("bench", "--target", "127.0.0.1:1", "--poison-rate", "0.1", "--poison-burst", "0").exit()).isEqualTo(2);
    }
}
