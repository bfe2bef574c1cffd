package io.baton.gateway.v1;

import static io.baton.gateway.testing.V1Assertions.assertError;
import static io.baton.gateway.testing.V1Assertions.assertNoContent;
import static io.baton.gateway.testing.V1Assertions.queueName;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spec 2.4–2.7 (queues, metadata, stats) and the project and queue-name rules of 1.1–1.5. */
@ExtendWith(Standalone.Shared.class)
class QueuesIT {
    private static final String POST = "[{\"ttl\": 300, \"body\": {\"n\": 1}}, {\"ttl\": 300, \"body\": [1, 2]}]";

    private static V1Client fresh(Standalone s) {
        return s.client("p-" + UUID.randomUUID());
    }

    @Test
    void putCreatesThenReportsExistingAndIgnoresItsBody(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        V1Client.Resp created = c.put("/v1/queues/" + q, "{\"ignored\": true}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/v1/queues/" + q);
        assertThat(created.body()).isEmpty();
        V1Client.Resp again = c.put("/v1/queues/" + q, null);
        assertNoContent(again);
        assertThat(c.get("/v1/queues/" + q + "/metadata").json().size()).isZero();
    }

    @Test
    void getAndHeadOnAQueueAreExistenceChecks(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        assertError(c.get("/v1/queues/" + q), 404, "Not found");
        V1Client.Resp head = c.head("/v1/queues/" + q);
        assertThat(head.status()).isEqualTo(404);
        assertThat(head.body()).isEmpty();
        c.put("/v1/queues/" + q, null);
        assertNoContent(c.get("/v1/queues/" + q));
        assertNoContent(c.head("/v1/queues/" + q));
    }

    @Test
    void deleteIsNoContentWhetherOrNotTheQueueExistedAndTakesEverythingWithIt(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        assertNoContent(c.delete("/v1/queues/" + q));
        c.put("/v1/queues/" + q, null);
        c.put("/v1/queues/" + q + "/metadata", "{\"a\": 1}");
        c.post("/v1/queues/" + q + "/messages", POST);
        assertNoContent(c.delete("/v1/queues/" + q));
        assertThat(c.get("/v1/queues/" + q).status()).isEqualTo(404);
        c.put("/v1/queues/" + q, null);
        assertThat(c.get("/v1/queues/" + q + "/metadata").json().size()).isZero();
        assertThat(c.get("/v1/queues/" + q + "/stats").json().path("messages").path("total").asLong()).isZero();
    }

    @Test
    void badQueueNamesAreRefusedOnEveryRoute(Standalone s) {
        V1Client c = fresh(s);
        List<String> bad = List.of("a.b", "x".repeat(65), "caf%C3%A9", "sp%20ace", "a%2Fb");
        for (String name : bad) {
            for (String sub : new String[] {"", "/metadata", "/stats", "/messages", "/claims", "/messages/abc", "/claims/abc"}) {
                String path = "/v1/queues/" + name + sub;
                assertThat(c.get(path).status()).as(path).isEqualTo(400);
            }
            assertError(c.put("/v1/queues/" + name, null), 400, "Invalid queue identification");
            assertError(c.delete("/v1/queues/" + name), 400, "Invalid queue identification");
            assertError(c.post("/v1/queues/" + name + "/messages", POST), 400, "Invalid queue identification");
        }
        assertThat(c.put("/v1/queues/" + "x".repeat(64), null).status()).isIn(201, 204);
        assertThat(c.put("/v1/queues/Aa_-09", null).status()).isIn(201, 204);
    }

    @Test
    void queueNamesAreCaseSensitive(Standalone s) {
        V1Client c = fresh(s);
        c.put("/v1/queues/TESTqueue", null);
        assertThat(c.get("/v1/queues/testqueue").status()).isEqualTo(404);
    }

    @Test
    void listPagesInNameOrderWithANextLinkUntilNoContent(Standalone s) {
        V1Client c = fresh(s);
        assertNoContent(c.get("/v1/queues"));
        List<String> names = List.of("alpha", "beta", "delta", "gamma", "omega");
        for (String n : names) {
            c.put("/v1/queues/" + n, null);
        }
        List<String> seen = new ArrayList<>();
        String next = "/v1/queues?limit=2";
        int pages = 0;
        while (true) {
            V1Client.Resp r = c.get(next);
            if (r.status() == 204) {
                break;
            }
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Location")).isEqualTo(next);
            JsonNode body = r.json();
            assertThat(body.path("queues").size()).isBetween(1, 2);
            for (JsonNode q : body.path("queues")) {
                seen.add(q.path("name").asText());
                assertThat(q.path("href").asText()).isEqualTo("/v1/queues/" + q.path("name").asText());
                assertThat(q.has("metadata")).isFalse();
            }
            assertThat(body.path("links")).hasSize(1);
            assertThat(body.path("links").get(0).path("rel").asText()).isEqualTo("next");
            next = body.path("links").get(0).path("href").asText();
            assertThat(next).contains("limit=2").contains("marker=" + seen.get(seen.size() - 1));
            pages++;
        }
        assertThat(seen).containsExactlyElementsOf(names);
        assertThat(pages).isEqualTo(3);
        assertNoContent(c.get("/v1/queues?marker=zzz"));
        assertThat(c.get("/v1/queues").json().path("queues")).hasSize(5);
    }

    @Test
    void detailedListingCarriesMetadataOnEveryEntry(Standalone s) {
        V1Client c = fresh(s);
        c.put("/v1/queues/a", null);
        c.put("/v1/queues/b", null);
        c.put("/v1/queues/b/metadata", "{\"k\": \"v\"}");
        JsonNode body = c.get("/v1/queues?detailed=true").json();
        assertThat(body.path("queues").get(0).path("metadata").size()).isZero();
        assertThat(body.path("queues").get(1).path("metadata").path("k").asText()).isEqualTo("v");
        assertThat(body.path("links").get(0).path("href").asText()).contains("detailed=true");
    }

    @Test
    void listOnlyShowsTheCallersProject(Standalone s) {
        V1Client a = fresh(s);
        V1Client b = fresh(s);
        a.put("/v1/queues/shared-name", null);
        assertNoContent(b.get("/v1/queues"));
        b.put("/v1/queues/shared-name", null);
        assertThat(b.get("/v1/queues").json().path("queues")).hasSize(1);
    }

    @Test
    void listRefusesBadLimitsAndBooleans(Standalone s) {
        V1Client c = fresh(s);
        for (String limit : new String[] {"0", "-1", "21", "1001"}) {
            assertError(c.get("/v1/queues?limit=" + limit), 400, "Invalid API request");
        }
        assertError(c.get("/v1/queues?limit=ten"), 400, "Invalid query parameter");
        assertError(c.get("/v1/queues?limit=1.5"), 400, "Invalid query parameter");
        assertError(c.get("/v1/queues?detailed=banana"), 400, "Invalid query parameter");
        assertThat(c.get("/v1/queues?limit=").status()).isEqualTo(204);
        assertThat(c.get("/v1/queues?detailed=yes&limit=%2B20").status()).isEqualTo(204);
    }

    @Test
    void metadataIsReplacedWholeAndReadBack(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        assertError(c.get("/v1/queues/" + q + "/metadata"), 404, "Not found");
        assertError(c.put("/v1/queues/" + q + "/metadata", "{\"a\": 1}"), 404, "Not found");
        c.put("/v1/queues/" + q, null);
        V1Client.Resp get = c.get("/v1/queues/" + q + "/metadata");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.header("Content-Location")).isEqualTo("/v1/queues/" + q + "/metadata");
        assertThat(get.json().size()).isZero();
        V1Client.Resp put = c.put("/v1/queues/" + q + "/metadata", "{\"a\": {\"nested\": [1, 2]}, \"ünï\": \"ok\", \"x@y\": null}");
        assertNoContent(put);
        assertThat(put.header("Location")).isEqualTo("/v1/queues/" + q + "/metadata");
        c.put("/v1/queues/" + q + "/metadata", "{\"b\": 2}");
        JsonNode md = c.get("/v1/queues/" + q + "/metadata").json();
        assertThat(md.has("a")).isFalse();
        assertThat(md.path("b").asInt()).isEqualTo(2);
    }

    @Test
    void metadataThatIsNotAnObjectOrTooLargeOrReservedIsRefused(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        c.put("/v1/queues/" + q, null);
        String path = "/v1/queues/" + q + "/metadata";
        for (String bad : new String[] {"[]", "\"x\"", "5", "null", "{", "{\"a\": 1} {}"}) {
            assertError(c.put(path, bad), 400, "Invalid request body");
        }
        assertError(c.put(path, ""), 400, "Invalid request body");
        assertError(c.put(path, null), 400, "Invalid request body");
        assertError(c.put(path, "{\"_reserved\": 1}"), 400, "Invalid API request");
        assertError(c.put(path, "{\"a\": 123456789012345678901234567890}"), 400, "Invalid request body");
        String prefix = "{\"k\": \"";
        String exact = prefix + "x".repeat(65_536 - prefix.length() - 2) + "\"}";
        assertThat(exact.length()).isEqualTo(65_536);
        assertNoContent(c.put(path, exact));
        assertError(c.put(path, exact.replace("{\"k", "{ \"k")), 400, "Invalid API request");
        assertThat(c.get(path).json().path("k").asText()).hasSize(65_536 - prefix.length() - 2);
    }

    @Test
    void statsCountLiveMessagesAndOmitOldestNewestWhenEmpty(Standalone s) {
        V1Client c = fresh(s);
        String q = queueName();
        assertError(c.get("/v1/queues/" + q + "/stats"), 404, "Not found");
        c.put("/v1/queues/" + q, null);
        V1Client.Resp empty = c.get("/v1/queues/" + q + "/stats");
        assertThat(empty.body()).isEqualTo("{\"messages\":{\"claimed\":0,\"free\":0,\"total\":0}}");
        c.post("/v1/queues/" + q + "/messages", POST);
        c.post("/v1/queues/" + q + "/claims?limit=1", "{\"ttl\": 60, \"grace\": 60}");
        JsonNode m = c.get("/v1/queues/" + q + "/stats").json().path("messages");
        assertThat(m.path("claimed").asInt()).isEqualTo(1);
        assertThat(m.path("free").asInt()).isEqualTo(1);
        assertThat(m.path("total").asInt()).isEqualTo(2);
        assertThat(m.path("oldest").path("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(m.path("oldest").path("age").asInt()).isGreaterThanOrEqualTo(0);
        String oldest = m.path("oldest").path("href").asText();
        assertThat(oldest).startsWith("/v1/queues/" + q + "/messages/");
        assertThat(c.get(oldest).status()).isEqualTo(200);
        assertThat(m.path("newest").path("href").asText()).isNotEqualTo(oldest);
    }

    @Test
    void projectComesFromThePathOrTheHeaderButNotTwoDifferentOnes(Standalone s) {
        String project = "p-" + UUID.randomUUID();
        V1Client headerForm = s.client(project);
        V1Client noHeader = s.client(null);
        assertThat(noHeader.put("/v1/" + project + "/queues/tenant-q", null).status()).isEqualTo(201);
        assertNoContent(headerForm.get("/v1/queues/tenant-q"));
        JsonNode list = noHeader.get("/v1/" + project + "/queues").json();
        assertThat(list.path("queues").get(0).path("href").asText()).isEqualTo("/v1/queues/tenant-q");
        assertNoContent(headerForm.get("/v1/" + project + "/queues/tenant-q"));
        assertError(headerForm.get("/v1/other-project/queues/tenant-q"), 400, "Invalid queue identification");
        assertError(noHeader.get("/v1/" + "p".repeat(257) + "/queues"), 400, "Invalid queue identification");
    }

    @Test
    void projectHeaderMustBeOneTo256Characters(Standalone s) {
        V1Client c = s.client(null);
        assertError(c.get("/v1/queues", "X-Project-Id", ""), 400, "Invalid queue identification");
        assertError(c.get("/v1/queues", "X-Project-Id", "p".repeat(257)), 400, "Invalid queue identification");
        assertThat(c.get("/v1/queues", "X-Project-Id", "p".repeat(256)).status()).isEqualTo(204);
        assertThat(c.get("/v1/queues", "X-Project-Id", "with spaces ok").status()).isEqualTo(204);
    }

    @Test
    void noProjectMeansTheAnonymousDefaultProject(Standalone s) {
        V1Client anon = s.client(null);
        String q = queueName();
        anon.put("/v1/queues/" + q, null);
        assertNoContent(s.client("default").get("/v1/queues/" + q));
    }
}
