package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.slot.SlotLimits;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import org.junit.jupiter.api.Test;

/**
 * What a REST producer sees at a limit: 503 with Retry-After and the v1 JSON error body naming
 * the limit; nothing posted; other requests (reads, claims, deletes) answered as usual.
 */
class BackPressureIT {
    /** 20 small messages: bodies stay on disk, so the budget is met by their count. */
    private static final String TWENTY;

    static {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ttl\": 600, \"body\": ").append(i).append('}');
        }
        TWENTY = b.append(']').toString();
    }

    @Test
    void overTheMemoryBudgetAPostIsA503WithRetryAfterAndChangesNothing() throws Exception {
        try (Standalone s = Standalone.start(Authenticator.none(), b -> b.memoryBudget(1L << 20))) {
            V1Client c = s.client("p-pressure");
            assertThat(c.put("/v1/queues/jobs", null).status()).isEqualTo(201);
            V1Client.Resp last = null;
            int posted = 0;
            for (int i = 0; i < 2000; i++) {
                last = c.post("/v1/queues/jobs/messages", TWENTY);
                if (last.status() != 201) {
                    break;
                }
                posted += 20;
            }
            assertThat(last.status()).isEqualTo(503);
            assertThat(last.header("Retry-After")).isEqualTo("5");
            assertThat(last.json().path("title").asText()).isEqualTo("Service temporarily unavailable");
            assertThat(last.json().path("description").asText()).contains("memory budget");
            assertThat(c.get("/v1/queues/jobs/stats").json().path("messages").path("total").asInt()).isEqualTo(posted);
            V1Client.Resp claim = c.post("/v1/queues/jobs/claims?limit=5", "{\"ttl\": 60, \"grace\": 60}");
            assertThat(claim.status()).isEqualTo(201);
        }
    }

    @Test
    void pastAQueueQuotaAPostIsA503NamingTheQuota() throws Exception {
        try (Standalone s = Standalone.start(Authenticator.none(), b -> b.limits(SlotLimits.v1().withQueueQuota(2, Long.MAX_VALUE)))) {
            V1Client c = s.client("p-quota");
            c.put("/v1/queues/jobs", null);
            assertThat(c.post("/v1/queues/jobs/messages", "[{\"ttl\": 60, \"body\": 1}, {\"ttl\": 60, \"body\": 2}]").status())
                    .isEqualTo(201);
            V1Client.Resp refused = c.post("/v1/queues/jobs/messages", "[{\"ttl\": 60, \"body\": 3}]");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(refused.json().path("description").asText()).contains("at most 2");
        }
    }

    @Test
    void pastAProjectQuotaAPostIsA503NamingTheProject() throws Exception {
        io.baton.broker.quota.QuotaPolicy policy = new io.baton.broker.quota.QuotaPolicy(
                new io.baton.broker.quota.Quota(3, Long.MAX_VALUE), java.util.Map.of());
        try (Standalone s = Standalone.start(Authenticator.none(), b -> b.projectQuotas(() -> policy))) {
            V1Client c = s.client("p-tenant");
            for (String q : java.util.List.of("a", "b", "c", "d")) {
                c.put("/v1/queues/" + q, null);
            }
            // Queues of one project land in different slots; the quota counts them all.
            assertThat(c.post("/v1/queues/a/messages", "[{\"ttl\": 60, \"body\": 1}]").status()).isEqualTo(201);
            assertThat(c.post("/v1/queues/b/messages", "[{\"ttl\": 60, \"body\": 2}]").status()).isEqualTo(201);
            assertThat(c.post("/v1/queues/c/messages", "[{\"ttl\": 60, \"body\": 3}]").status()).isEqualTo(201);
            V1Client.Resp refused = c.post("/v1/queues/d/messages", "[{\"ttl\": 60, \"body\": 4}]");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(refused.json().path("description").asText()).contains("Project p-tenant holds 3 messages and may hold at most 3");
            assertThat(c.get("/v1/queues/d/stats").json().path("messages").path("total").asInt()).isZero();
            // Another project is not affected.
            V1Client other = s.client("p-other");
            other.put("/v1/queues/a", null);
            assertThat(other.post("/v1/queues/a/messages", "[{\"ttl\": 60, \"body\": 1}]").status()).isEqualTo(201);
            // A worker deletes one: there is room again.
            V1Client.Resp claim = c.post("/v1/queues/a/claims?limit=1", "{\"ttl\": 60, \"grace\": 60}");
            String href = claim.json().get(0).path("href").asText();
            assertThat(c.delete(href.substring(href.indexOf("/v1/"))).status()).isEqualTo(204);
            assertThat(c.post("/v1/queues/d/messages", "[{\"ttl\": 60, \"body\": 4}]").status()).isEqualTo(201);
        }
    }
}
