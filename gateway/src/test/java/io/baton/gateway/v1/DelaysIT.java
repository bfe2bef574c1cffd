package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.testing.FreshQueue;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Delayed delivery over REST, with the v2 API's names: a message's optional {@code delay} field
 * and a queue's {@code _default_message_delay} metadata. A delayed message is counted but neither
 * claimed nor listed (unless {@code include_delayed=true}) until it is due; plain v1 requests are
 * unaffected.
 */
@ExtendWith(Standalone.Shared.class)
class DelaysIT {
    private FreshQueue q;

    @BeforeEach
    void queue(Standalone s) {
        q = FreshQueue.in(s);
    }

    private List<String> ids(V1Client.Resp posted) {
        assertThat(posted.status()).as("%s", posted).isEqualTo(201);
        List<String> out = new ArrayList<>();
        for (JsonNode h : posted.json().path("resources")) {
            out.add(h.asText().substring(h.asText().lastIndexOf('/') + 1));
        }
        return out;
    }

    private List<String> claimed() {
        V1Client.Resp r = q.client().post(q.base() + "/claims?limit=10", "{\"ttl\": 300, \"grace\": 60}");
        List<String> out = new ArrayList<>();
        if (r.status() == 201) {
            for (JsonNode m : r.json()) {
                out.add(m.path("href").asText().replaceAll(".*/messages/([^?]*).*", "$1"));
            }
        }
        return out;
    }

    private List<String> listed(String query) {
        V1Client.Resp r = q.client().get(q.base() + "/messages?echo=true" + query);
        List<String> out = new ArrayList<>();
        if (r.status() == 200) {
            for (JsonNode m : r.json().path("messages")) {
                out.add(m.path("href").asText().replaceAll(".*/messages/([^?]*).*", "$1"));
            }
        }
        return out;
    }

    @Test
    void aDelayedMessageIsCountedButNeitherClaimedNorListedUntilDue() {
        List<String> ids = ids(q.client().post(q.base() + "/messages",
                "[{\"ttl\": 300, \"delay\": 2, \"body\": 1}, {\"ttl\": 300, \"body\": 2}, {\"ttl\": 300, \"delay\": 0, \"body\": 3}]"));
        JsonNode stats = q.client().get(q.base() + "/stats").json().path("messages");
        assertThat(stats.path("delayed").asInt()).isEqualTo(1);
        assertThat(stats.path("free").asInt()).isEqualTo(2);
        assertThat(stats.path("total").asInt()).isEqualTo(3);
        assertThat(listed("")).containsExactly(ids.get(1), ids.get(2));
        assertThat(listed("&include_delayed=true")).containsExactly(ids.get(0), ids.get(1), ids.get(2));
        assertThat(q.client().get(q.base() + "/messages/" + ids.get(0)).status()).as("readable by id").isEqualTo(200);
        assertThat(claimed()).containsExactly(ids.get(1), ids.get(2));
        long posted = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> claimed().equals(List.of(ids.get(0))));
        assertThat(System.nanoTime() - posted).as("never before it is due").isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(q.client().get(q.base() + "/stats").json().path("messages").has("delayed")).as("v1's shape once none is delayed").isFalse();
    }

    @Test
    void delayedMessagesAreAStateOfTheMessagesGauge(Standalone s) {
        q.client().post(q.base() + "/messages", "[{\"ttl\": 300, \"delay\": 300, \"body\": 1}]");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delayedGauge(s) >= 1);
    }

    @Test
    void theQueuesWithDelayedMessagesHaveAGaugeEach(Standalone s) {
        q.client().post(q.base() + "/messages",
                "[{\"ttl\": 300, \"delay\": 300, \"body\": 1}, {\"ttl\": 300, \"delay\": 200, \"body\": 2}]");
        String queue = q.base().substring(q.base().lastIndexOf('/') + 1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String line : s.broker().broker().metrics().registry().scrape().split("\n")) {
                if (line.startsWith("baton_queue_messages_delayed{") && line.contains("queue=\"" + queue + "\"")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) == 2;
                }
            }
            return false;
        });
    }

    private static double delayedGauge(Standalone s) {
        for (String line : s.broker().broker().metrics().registry().scrape().split("\n")) {
            if (line.startsWith("baton_messages{") && line.contains("state=\"delayed\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    @Test
    void aQueuesDefaultDelayAppliesToMessagesPostedWithoutOne() {
        assertThat(q.client().put(q.base() + "/metadata", "{\"_default_message_delay\": 600}").status()).isEqualTo(204);
        List<String> ids = ids(q.client().post(q.base() + "/messages", "[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"delay\": 0, \"body\": 2}]"));
        assertThat(claimed()).containsExactly(ids.get(1));
        assertThat(q.client().get(q.base() + "/stats").json().path("messages").path("delayed").asInt()).isEqualTo(1);
        // A delayed message may be deleted by id like any unclaimed one.
        assertThat(q.client().delete(q.base() + "/messages/" + ids.get(0)).status()).isEqualTo(204);
        assertThat(q.client().get(q.base() + "/stats").json().path("messages").path("total").asInt()).isEqualTo(1);
    }

    @Test
    void aBadDelayIsA400AndNothingIsPosted() {
        for (String bad : List.of("[{\"ttl\": 60, \"delay\": 61, \"body\": 1}]", "[{\"ttl\": 60, \"delay\": -1, \"body\": 1}]",
                "[{\"ttl\": 60, \"delay\": \"soon\", \"body\": 1}]", "[{\"ttl\": 60, \"delay\": 1.5, \"body\": 1}]")) {
            V1Client.Resp r = q.client().post(q.base() + "/messages", bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().path("description").asText()).as(bad).containsIgnoringCase("delay");
        }
        assertThat(q.client().put(q.base() + "/metadata", "{\"_default_message_delay\": \"soon\"}").status()).isEqualTo(400);
        assertThat(q.client().get(q.base() + "/stats").json().path("messages").path("total").asInt()).isZero();
    }
}
