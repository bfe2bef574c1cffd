package io.baton.gateway.v1;

import static io.baton.gateway.testing.V1Assertions.assertError;
import static io.baton.gateway.testing.V1Assertions.assertNoContent;
import static io.baton.gateway.testing.V1Assertions.queueName;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.testing.FreshQueue;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spec 2.10 and 3.2–3.3: claim, read, renew and release, with every error path. */
@ExtendWith(Standalone.Shared.class)
class ClaimsIT {
    private static final String LEASE = "{\"ttl\": 60, \"grace\": 60}";
    private V1Client c;
    private String base;

    @BeforeEach
    void queue(Standalone s) {
        FreshQueue fresh = FreshQueue.in(s);
        c = fresh.client();
        base = fresh.base();
    }

    private void post(String body) {
        assertThat(c.post(base + "/messages", body).status()).isEqualTo(201);
    }

    private static String claimIdOf(V1Client.Resp created) {
        String loc = created.header("Location");
        return loc.substring(loc.lastIndexOf('/') + 1);
    }

    @Test
    void claimTakesTheOldestFreeMessagesAndExtendsTheirLifetimeByGrace(Standalone s) {
        post("[{\"ttl\": 300, \"body\": {\"event\": \"two\"}}, {\"ttl\": 60, \"body\": {\"event\": \"three\"}}]");
        V1Client.Resp r = c.post(base + "/claims?limit=2", LEASE);
        assertThat(r.status()).isEqualTo(201);
        String claimId = claimIdOf(r);
        assertThat(r.header("Location")).isEqualTo(base + "/claims/" + claimId);
        JsonNode msgs = r.json();
        assertThat(msgs).hasSize(2);
        assertThat(msgs.get(0).path("body").path("event").asText()).isEqualTo("two");
        assertThat(msgs.get(0).path("ttl").asInt()).isEqualTo(300);
        assertThat(msgs.get(1).path("ttl").asInt()).isEqualTo(120);
        msgs.forEach(m -> assertThat(m.path("href").asText()).endsWith("?claim_id=" + claimId));
        assertNoContent(c.post(base + "/claims", LEASE));
    }

    @Test
    void claimLimitDefaultsToTen(Standalone s) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 12; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ttl\": 300, \"body\": ").append(i).append("}");
        }
        post(b.append("]").toString());
        assertThat(c.post(base + "/claims", LEASE).json()).hasSize(10);
        assertThat(c.post(base + "/claims", LEASE).json()).hasSize(2);
    }

    @Test
    void nothingFreeOrNoQueueIsNoContentWithoutLocation(Standalone s) {
        V1Client.Resp empty = c.post(base + "/claims", LEASE);
        assertNoContent(empty);
        assertThat(empty.header("Location")).isNull();
        assertNoContent(c.post("/v1/queues/" + queueName() + "/claims", LEASE));
    }

    @Test
    void invalidClaimRequestsAreRefused(Standalone s) {
        post("[{\"ttl\": 300, \"body\": 1}]");
        String[] badBody = {"", "[]", "\"fail\"", "{", "{\"ttl\": 60}", "{\"grace\": 60}", "{\"ttl\": \"60\", \"grace\": 60}",
            "{\"ttl\": 60.5, \"grace\": 60}", "{\"ttl\": 60, \"grace\": null}", "{\"ttl\": 60, \"grace\": 99999999999999999999}"};
        for (String body : badBody) {
            assertError(c.post(base + "/claims", body), 400, "Invalid request body");
        }
        String[] outOfRange = {"{\"ttl\": 59, \"grace\": 60}", "{\"ttl\": 43201, \"grace\": 60}",
            "{\"ttl\": 60, \"grace\": 59}", "{\"ttl\": 60, \"grace\": 43201}"};
        for (String body : outOfRange) {
            assertError(c.post(base + "/claims", body), 400, "Invalid API request");
        }
        for (String limit : new String[] {"0", "-1", "21"}) {
            assertError(c.post(base + "/claims?limit=" + limit, LEASE), 400, "Invalid API request");
        }
        assertError(c.post(base + "/claims?limit=many", LEASE), 400, "Invalid query parameter");
        assertThat(c.get(base + "/stats").json().path("messages").path("claimed").asInt()).isZero();
        assertThat(c.post(base + "/claims?limit=20", "{\"ttl\": 43200, \"grace\": 43200, \"extra\": [1]}").status()).isEqualTo(201);
    }

    @Test
    void getShowsTtlAgeAndTheMessagesStillHeld(Standalone s) {
        post("[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"body\": 2}]");
        V1Client.Resp created = c.post(base + "/claims", "{\"ttl\": 120, \"grace\": 60}");
        String id = claimIdOf(created);
        V1Client.Resp r = c.get(base + "/claims/" + id);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Location")).isEqualTo(base + "/claims/" + id);
        JsonNode claim = r.json();
        assertThat(claim.path("ttl").asInt()).isEqualTo(120);
        assertThat(claim.path("age").asInt()).isBetween(0, 5);
        assertThat(claim.path("href").asText()).isEqualTo(base + "/claims/" + id);
        assertThat(claim.path("messages")).hasSize(2);
        c.delete(claim.path("messages").get(0).path("href").asText());
        assertThat(c.get(base + "/claims/" + id).json().path("messages")).hasSize(1);
        c.delete(claim.path("messages").get(1).path("href").asText());
        assertError(c.get(base + "/claims/" + id), 404, "Not found");
    }

    @Test
    void getOfUnknownMalformedReleasedOrForeignClaimIsNotFound(Standalone s) {
        post("[{\"ttl\": 300, \"body\": 1}]");
        String id = claimIdOf(c.post(base + "/claims", LEASE));
        assertError(c.get(base + "/claims/nonsense"), 404, "Not found");
        assertError(c.get(base + "/claims/ffffffffffffffffffffffff"), 404, "Not found");
        assertError(s.client("p-" + UUID.randomUUID()).get(base + "/claims/" + id), 404, "Not found");
        assertNoContent(c.delete(base + "/claims/" + id));
        assertError(c.get(base + "/claims/" + id), 404, "Not found");
    }

    @Test
    void patchRenewsTheClaimAndRestartsItsAge(Standalone s) {
        post("[{\"ttl\": 60, \"body\": 1}, {\"ttl\": 600, \"body\": 2}]");
        String id = claimIdOf(c.post(base + "/claims", "{\"ttl\": 120, \"grace\": 60}"));
        JsonNode before = c.get(base + "/claims/" + id).json();
        assertThat(before.path("messages").get(0).path("ttl").asInt()).isEqualTo(180);
        assertThat(before.path("messages").get(1).path("ttl").asInt()).isEqualTo(600);
        assertNoContent(c.patch(base + "/claims/" + id, "{\"ttl\": 300}"));
        JsonNode after = c.get(base + "/claims/" + id).json();
        assertThat(after.path("ttl").asInt()).isEqualTo(300);
        assertThat(after.path("age").asInt()).isBetween(0, 1);
        assertThat(after.path("messages").get(0).path("ttl").asInt()).isEqualTo(300);
        assertThat(after.path("messages").get(1).path("ttl").asInt()).isEqualTo(600);
        assertNoContent(c.patch(base + "/claims/" + id, "{\"ttl\": 300, \"grace\": 0}"));
    }

    @Test
    void invalidRenewalsAreRefusedAndEndedClaimsAreNotFound(Standalone s) {
        post("[{\"ttl\": 300, \"body\": 1}]");
        String id = claimIdOf(c.post(base + "/claims", LEASE));
        String path = base + "/claims/" + id;
        for (String body : new String[] {"", "[]", "{", "{\"grace\": 60}", "{\"ttl\": \"60\"}", "{\"ttl\": 60, \"grace\": 1.5}"}) {
            assertError(c.patch(path, body), 400, "Invalid request body");
        }
        for (String body : new String[] {"{\"ttl\": 59}", "{\"ttl\": 43201}", "{\"ttl\": 60, \"grace\": -1}", "{\"ttl\": 60, \"grace\": 43201}"}) {
            assertError(c.patch(path, body), 400, "Invalid API request");
        }
        assertError(c.patch(base + "/claims/nonsense", "{\"ttl\": 60}"), 404, "Not found");
        c.delete(path);
        assertError(c.patch(path, "{\"ttl\": 60}"), 404, "Not found");
    }

    @Test
    void releaseFreesTheMessagesAtOnceAndIsAlwaysNoContent(Standalone s) {
        post("[{\"ttl\": 300, \"body\": 1}]");
        String id = claimIdOf(c.post(base + "/claims", LEASE));
        assertNoContent(c.post(base + "/claims", LEASE));
        assertNoContent(c.delete(base + "/claims/" + id));
        assertThat(c.post(base + "/claims", LEASE).status()).isEqualTo(201);
        assertNoContent(c.delete(base + "/claims/" + id));
        assertNoContent(c.delete(base + "/claims/nonsense"));
        assertNoContent(c.delete("/v1/queues/" + queueName() + "/claims/" + id));
    }
}
