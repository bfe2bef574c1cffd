package io.baton.gateway.v1;

import static io.baton.gateway.testing.V1Assertions.assertError;
import static io.baton.gateway.testing.V1Assertions.assertNoContent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.Gateway;
import io.baton.gateway.GatewayConfig;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spec 2.2, 2.3, 1.1 (unknown paths, 405) and 1.2 (Accept) against a real standalone. */
@ExtendWith(Standalone.Shared.class)
class HomeAndHealthIT {

    @Test
    void homeDocumentIsJsonHomeWithEveryRelationAndLongCaching(Standalone s) {
        V1Client c = s.client(null);
        for (String path : new String[] {"/v1/", "/v1", "/v1/806067/"}) {
            V1Client.Resp r = c.get(path);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.header("Content-Type")).isEqualTo("application/json-home");
            assertThat(r.header("Cache-Control")).isEqualTo("max-age=86400");
            JsonNode res = r.json().path("resources");
            assertThat(res.fieldNames()).toIterable().containsExactlyInAnyOrder("rel/queues", "rel/queue",
                    "rel/queue-metadata", "rel/queue-stats", "rel/messages", "rel/post-messages", "rel/claim");
            assertThat(res.path("rel/claim").path("href-template").asText()).isEqualTo("/v1/queues/{queue_name}/claims{?limit}");
            assertThat(res.path("rel/claim").path("hints").path("accept-post").get(0).asText()).isEqualTo("application/json");
            assertThat(res.path("rel/messages").path("href-vars").path("limit").asText()).isEqualTo("param/messages_limit");
            assertThat(res.path("rel/queue").path("hints").path("allow")).hasSize(4);
        }
    }

    @Test
    void healthIsNoContentWhileBrokersAnswer(Standalone s) {
        V1Client c = s.client(null);
        assertNoContent(c.get("/v1/health"));
        assertNoContent(c.head("/v1/health"));
        assertNoContent(c.get("/v1/806067/health"));
    }

    @Test
    void healthIsServiceUnavailableWhenNoBrokerAnswersButHeadStillSaysAlive() throws Exception {
        int deadPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = free.getLocalPort();
        }
        try (Gateway g = Gateway.start(GatewayConfig.builder().port(0).brokers(java.util.List.of("127.0.0.1:" + deadPort))
                .callTimeout(java.time.Duration.ofMillis(500)).build())) {
            V1Client c = new Standalone.Remote("http://127.0.0.1:" + g.port()).client(null);
            JsonNode err = assertError(c.get("/v1/health"), 503, "Service temporarily unavailable");
            assertThat(err.path("description").asText()).endsWith("Please try again in a few seconds.");
            assertNoContent(c.head("/v1/health"));
            assertError(c.get("/v1/queues/q/stats"), 503, "Service temporarily unavailable");
        }
    }

    @Test
    void acceptThatExcludesJsonIsNotAcceptableOnEveryRoute(Standalone s) {
        V1Client c = s.client("p-accept");
        for (String path : new String[] {"/v1/", "/v1/health", "/v1/queues", "/v1/queues/x", "/v1/queues/x/stats"}) {
            assertError(c.get(path, "Accept", "application/xml"), 406, null);
            assertError(c.get(path, "Accept", "text/plain"), 406, null);
        }
        assertThat(c.get("/v1/health", "Accept", "*/*").status()).isEqualTo(204);
        assertThat(c.get("/v1/health", "Accept", "application/*").status()).isEqualTo(204);
        assertThat(c.get("/v1/health", "Accept", "text/html, application/json;q=0.5").status()).isEqualTo(204);
        assertError(c.get("/v1/health", "Accept", "application/json;q=0"), 406, null);
    }

    @Test
    void unknownPathIsNotFoundWithJsonBody(Standalone s) {
        V1Client c = s.client("p-unknown");
        assertError(c.get("/v2/queues"), 404, "Not found");
        assertError(c.get("/v1/queues/q/nothing"), 404, "Not found");
        assertError(c.get("/v1/queues/q/messages/id/extra"), 404, "Not found");
        assertError(c.get("/"), 404, "Not found");
    }

    @Test
    void unsupportedMethodIsMethodNotAllowedWithAllowHeader(Standalone s) {
        V1Client c = s.client("p-405");
        V1Client.Resp r = c.post("/v1/queues/q/stats", "{}");
        assertError(r, 405, null);
        assertThat(r.header("Allow")).isEqualTo("GET");
        assertThat(c.send("PATCH", "/v1/queues/q", "{}").header("Allow")).isEqualTo("DELETE, GET, HEAD, PUT");
        assertError(c.put("/v1/queues", "{}"), 405, null);
        assertError(c.send("OPTIONS", "/v1/queues/q/claims", null), 405, null);
    }

    @Test
    void metricsCountRequestsByRouteAndStatus(Standalone s) {
        V1Client c = s.client("p-metrics");
        c.get("/v1/queues/metrics-q/stats");
        String scrape = s.registry().scrape();
        assertThat(scrape).contains("baton_gateway_requests_seconds_count{method=\"GET\",route=\"/v1/queues/{queue}/stats\",status=\"404\"}");
        assertThat(scrape).contains("baton_gateway_requests_seconds_bucket");
    }
}
