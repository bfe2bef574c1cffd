package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.testing.FreshQueue;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Dead letters over REST with the v2 API's metadata keys, set by a plain v1 metadata PUT: a message
 * claimed {@code _max_claim_count} times goes to {@code _dead_letter_queue} (created if missing)
 * when its last claim is released, instead of a next claim; responses keep their v1 shape.
 */
@ExtendWith(Standalone.Shared.class)
class DeadLettersIT {
    private FreshQueue q;

    @BeforeEach
    void queue(Standalone s) {
        q = FreshQueue.in(s);
    }

    /** Claims (v1) and gives the claim back at once, as a failing worker would; returns how many messages it held. */
    private int claimAndRelease() {
        V1Client.Resp r = q.client().post(q.base() + "/claims?limit=10", "{\"ttl\": 60, \"grace\": 60}");
        if (r.status() == 204) {
            return 0;
        }
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        String claim = r.header("Location");
        assertThat(q.client().delete(claim).status()).isEqualTo(204);
        return r.json().size();
    }

    @Test
    void aMessageClaimedTooOftenMovesToTheDeadLetterQueue() {
        String dlq = q.base() + "-dlq";
        V1Client.Resp set = q.client().put(q.base() + "/metadata", "{\"_max_claim_count\": 2, \"_dead_letter_queue\": \""
                + dlq.substring(dlq.lastIndexOf('/') + 1) + "\", \"_dead_letter_queue_messages_ttl\": 7200, \"owner\": \"ops\"}");
        assertThat(set.status()).as("%s", set).isEqualTo(204);
        assertThat(q.client().post(q.base() + "/messages", "[{\"ttl\": 300, \"body\": {\"job\": 1}}]").status()).isEqualTo(201);
        assertThat(claimAndRelease()).isEqualTo(1);
        assertThat(claimAndRelease()).isEqualTo(1);
        assertThat(claimAndRelease()).as("the second claim was its last: its release dead-lettered it").isZero();

        // The copy is durable there first; then the original goes from here.
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> q.client().get(dlq + "/stats").json().path("messages").path("total").asInt() == 1
                        && q.client().get(q.base() + "/stats").json().path("messages").path("total").asInt() == 0);
        JsonNode listed = q.client().get(dlq + "/messages?echo=true").json().path("messages");
        assertThat(listed).hasSize(1);
        JsonNode m = listed.get(0);
        assertThat(m.path("body").path("job").asInt()).isEqualTo(1);
        assertThat(m.path("ttl").asInt()).isEqualTo(7200);
        // v1's message shape: nothing added.
        assertThat(m.fieldNames()).toIterable().containsExactlyInAnyOrder("href", "ttl", "age", "body");
    }

    @Test
    void badPolicyValuesAreRefusedWithTheV1ErrorBody() {
        V1Client.Resp r = q.client().put(q.base() + "/metadata", "{\"_max_claim_count\": 0, \"_dead_letter_queue\": \"x\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("title").asText()).isNotEmpty();
        assertThat(r.json().path("description").asText()).contains("_max_claim_count");
    }
}
