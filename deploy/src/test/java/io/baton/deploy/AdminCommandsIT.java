package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin verbs of {@code baton} against a real broker, their JSON read back. */
class AdminCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = LocalBroker.start(b -> b.limits(SlotLimits.v1().withMinimumTtls(60, 1, 0)));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    /** Runs {@code baton ARGS --target broker}, returning its exit code and standard output parsed as JSON. */
    private static JsonNode baton(String... args) throws Exception {
        CliRun run = CliRun.of(broker.address(), args);
        assertThat(run.exit()).as("baton %s: %s", String.join(" ", args), run.output()).isZero();
        // The JSON document: from its first line that opens one (log lines of other components may precede it).
        String out = run.output();
        int at = out.indexOf("\n{");
        return JSON.readTree(out.startsWith("{") ? out : out.substring(at + 1));
    }

    @Test
    void queuePurgeDeletesWhatIsThereUpToTheNewestAndKeepsTheQueue() throws Exception {
        baton("queue", "create", "purged");
        assertThat(baton("queue", "purge", "purged").path("deleted").asInt()).isZero();
        baton("post", "purged", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        baton("claim", "purged", "--limit", "1", "--ttl", "60", "--grace", "0");
        String second = baton("post", "purged", "{\"n\":4}").path("ids").path(0).asText();
        baton("post", "purged", "{\"n\":5}");

        JsonNode upTo = baton("queue", "purge", "purged", "--up-to", second);
        assertThat(upTo.path("deleted").asInt()).isEqualTo(4);
        assertThat(baton("queue", "stats", "purged").path("total").asInt()).isOne();
        assertThat(baton("queue", "purge", "purged").path("deleted").asInt()).isOne();
        JsonNode stats = baton("queue", "stats", "purged");
        assertThat(stats.path("total").asInt()).isZero();
        assertThat(baton("queue", "list").toString()).contains("purged");
    }

    @Test
    void messageShowPrintsEachAttemptAndHowItEnded() throws Exception {
        baton("queue", "create", "ledger");
        String id = baton("post", "ledger", "{\"job\":1}").path("ids").path(0).asText();
        assertThat(id).isNotEmpty();
        String firstClaim = baton("claim", "ledger", "--ttl", "1", "--grace", "0").path("claim_id").asText();

        JsonNode running = baton("message", "show", "ledger", id);
        assertThat(running.path("attempts").asInt()).isEqualTo(1);
        assertThat(running.path("ledger").path(0).path("outcome").asText()).isEqualTo("running");
        assertThat(running.path("ledger").path(0).path("claim_id").asText()).isEqualTo(firstClaim);
        assertThat(running.path("body").path("job").asInt()).isEqualTo(1);

        // Nobody extends the one-second lease: the attempt ends silently, and a second one starts.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> baton("claim", "ledger", "--ttl", "60", "--grace", "0").path("messages").size() == 1);
        JsonNode shown = baton("message", "show", "ledger", id);
        assertThat(shown.path("attempts").asInt()).isEqualTo(2);
        JsonNode first = shown.path("ledger").path(0);
        assertThat(first.path("attempt").asInt()).isEqualTo(1);
        assertThat(first.path("outcome").asText()).isEqualTo("lease_expired_silent");
        assertThat(first.has("ended")).isTrue();
        assertThat(shown.path("ledger").path(1).path("outcome").asText()).isEqualTo("running");
    }
}
