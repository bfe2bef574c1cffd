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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spec 2.8 and 2.9: posting, listing, reading and deleting messages, with every error path. */
@ExtendWith(Standalone.Shared.class)
class MessagesIT {
    private V1Client producer;
    private V1Client consumer;
    private String q;
    private String base;

    @BeforeEach
    void queue(Standalone s) {
        String project = "p-" + UUID.randomUUID();
        producer = s.client(project);
        consumer = s.client(project);
        q = queueName();
        base = "/v1/queues/" + q;
        assertThat(producer.put(base, null).status()).isEqualTo(201);
    }

    private static String batch(int n, int ttl) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ttl\": ").append(ttl).append(", \"body\": {\"i\": ").append(i).append("}}");
        }
        return b.append("]").toString();
    }

    private List<String> post(String body) {
        V1Client.Resp r = producer.post(base + "/messages", body);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        List<String> ids = new ArrayList<>();
        for (JsonNode h : r.json().path("resources")) {
            String href = h.asText();
            ids.add(href.substring(href.lastIndexOf('/') + 1));
        }
        return ids;
    }

    @Test
    void postAnswersCreatedWithLocationAndOneHrefPerMessageInOrder(Standalone s) {
        V1Client.Resp r = producer.post(base + "/messages", batch(3, 300));
        assertThat(r.status()).isEqualTo(201);
        JsonNode body = r.json();
        assertThat(body.path("partial").isBoolean()).isTrue();
        assertThat(body.path("partial").asBoolean()).isFalse();
        assertThat(body.path("resources")).hasSize(3);
        List<String> ids = new ArrayList<>();
        for (JsonNode h : body.path("resources")) {
            assertThat(h.asText()).startsWith(base + "/messages/");
            ids.add(h.asText().substring(h.asText().lastIndexOf('/') + 1));
        }
        assertThat(r.header("Location")).isEqualTo(base + "/messages?ids=" + String.join(",", ids));
        V1Client.Resp fetched = consumer.get(r.header("Location"));
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.json()).hasSize(3);
        JsonNode first = consumer.get(body.path("resources").get(0).asText()).json();
        assertThat(first.path("body").path("i").asInt()).isZero();
        assertThat(first.path("ttl").asInt()).isEqualTo(300);
    }

    @Test
    void bodiesOfAnyJsonTypeComeBackExactly(Standalone s) {
        List<String> ids = post("[{\"ttl\": 60, \"body\": null}, {\"ttl\": 60, \"body\": 3.14159265358979323846264338327950288},"
                + " {\"ttl\": 60, \"body\": \"text \\u00e9\"}, {\"ttl\": 60, \"body\": [1, {\"a\": []}]}, {\"ttl\": 60, \"body\": false}]");
        assertThat(consumer.get(base + "/messages/" + ids.get(0)).json().path("body").isNull()).isTrue();
        assertThat(consumer.get(base + "/messages/" + ids.get(1)).body()).contains("3.14159265358979323846264338327950288");
        assertThat(consumer.get(base + "/messages/" + ids.get(2)).json().path("body").asText()).isEqualTo("text é");
        assertThat(consumer.get(base + "/messages/" + ids.get(3)).json().path("body").get(1).path("a").isArray()).isTrue();
        assertThat(consumer.get(base + "/messages/" + ids.get(4)).json().path("body").asBoolean(true)).isFalse();
    }

    @Test
    void postToAMissingQueueIsNotFoundButOnlyAfterTheBodyValidated(Standalone s) {
        String missing = "/v1/queues/" + queueName() + "/messages";
        assertError(producer.post(missing, batch(1, 300)), 404, "Not found");
        assertError(producer.post(missing, "[]"), 400, null);
        assertError(producer.post(missing, "{"), 400, "Invalid request body");
    }

    @Test
    void postNeedsAWellFormedClientId(Standalone s) {
        JsonNode err = assertError(producer.post(base + "/messages", batch(1, 300), "Client-ID", null), 400, "Missing header value");
        assertThat(err.path("description").asText()).isEqualTo("The \"Client-ID\" header is required.");
        assertError(producer.post(base + "/messages", batch(1, 300), "Client-ID", "not-a-uuid"), 400, "Wrong UUID value");
        assertError(producer.post(base + "/messages", batch(1, 300), "Client-ID", ""), 400, "Wrong UUID value");
        String bare = UUID.randomUUID().toString().replace("-", "").toUpperCase();
        assertThat(producer.post(base + "/messages", batch(1, 300), "Client-ID", bare).status()).isEqualTo(201);
    }

    @Test
    void malformedClientIdIsRefusedOnAnyRoute(Standalone s) {
        assertError(producer.get(base + "/stats", "Client-ID", "xyz"), 400, "Wrong UUID value");
        assertError(producer.put(base, null, "Client-ID", "1234"), 400, "Wrong UUID value");
        assertThat(producer.get(base + "/stats", "Client-ID", null).status()).isEqualTo(200);
    }

    @Test
    void invalidBatchesAreRefusedAndStoreNothing(Standalone s) {
        String[] invalidBody = {"", "[", "{}", "\"x\"", "5", "[1]", "[[]]", "[{\"body\": 1}]", "[{\"ttl\": 300}]",
            "[{\"ttl\": \"300\", \"body\": 1}]", "[{\"ttl\": 300.0, \"body\": 1}]", "[{\"ttl\": true, \"body\": 1}]",
            "[{\"ttl\": null, \"body\": 1}]", "[{\"ttl\": 300, \"body\": 99999999999999999999999}]",
            "[{\"ttl\": 300, \"body\": 1}] trailing", "[{\"ttl\": 300, \"body\": 1},]"};
        for (String body : invalidBody) {
            assertError(producer.post(base + "/messages", body), 400, "Invalid request body");
        }
        String[] outOfRange = {"[]", batch(21, 300), batch(1, 59), batch(1, 1_209_601), batch(1, -1),
            "[{\"ttl\": 9223372036854775807, \"body\": 1}]"};
        for (String body : outOfRange) {
            assertError(producer.post(base + "/messages", body), 400, "Invalid API request");
        }
        assertThat(producer.get(base + "/stats").json().path("messages").path("total").asInt()).isZero();
        assertThat(producer.post(base + "/messages", batch(20, 60)).status()).isEqualTo(201);
        assertThat(producer.post(base + "/messages", batch(1, 1_209_600)).status()).isEqualTo(201);
    }

    @Test
    void formEncodedPostsAreRefused(Standalone s) {
        assertError(producer.post(base + "/messages", batch(1, 300), "Content-Type", "application/x-www-form-urlencoded"), 400, null);
        assertThat(producer.post(base + "/messages", batch(1, 300), "Content-Type", "text/plain").status()).isEqualTo(201);
    }

    @Test
    void bodySizeLimitCountsRawBytesAndAcceptsTheBoundary(Standalone s) {
        String head = "[{\"ttl\": 300, \"body\": \"";
        String tail = "\"}]";
        String exact = head + "x".repeat(262_144 - head.length() - tail.length()) + tail;
        assertThat(exact.length()).isEqualTo(262_144);
        assertThat(producer.post(base + "/messages", exact).status()).isEqualTo(201);
        assertError(producer.post(base + "/messages", " " + exact), 400, "Invalid API request");
    }

    @Test
    void listingHidesOwnMessagesUnlessEchoAndClaimedOnesUnlessIncludeClaimed(Standalone s) {
        post(batch(3, 300));
        assertNoContent(producer.get(base + "/messages"));
        assertThat(producer.get(base + "/messages?echo=true").json().path("messages")).hasSize(3);
        assertThat(consumer.get(base + "/messages").json().path("messages")).hasSize(3);
        consumer.post(base + "/claims?limit=1", "{\"ttl\": 60, \"grace\": 60}");
        assertThat(consumer.get(base + "/messages").json().path("messages")).hasSize(2);
        assertThat(consumer.get(base + "/messages?include_claimed=true").json().path("messages")).hasSize(3);
        assertThat(producer.get(base + "/messages?echo=true&include_claimed=true").json().path("messages")).hasSize(3);
        JsonNode entry = consumer.get(base + "/messages").json().path("messages").get(0);
        assertThat(entry.fieldNames()).toIterable().containsExactlyInAnyOrder("href", "ttl", "age", "body");
        assertThat(entry.path("href").asText()).doesNotContain("claim_id");
    }

    @Test
    void listingPagesWithDigitMarkersAndRepeatsTheParameters(Standalone s) {
        post(batch(5, 300));
        List<Integer> seen = new ArrayList<>();
        String next = base + "/messages?limit=2&echo=true";
        while (true) {
            V1Client.Resp r = producer.get(next);
            if (r.status() == 204) {
                break;
            }
            JsonNode page = r.json();
            page.path("messages").forEach(m -> seen.add(m.path("body").path("i").asInt()));
            next = page.path("links").get(0).path("href").asText();
            assertThat(next).matches(".*marker=\\d+.*").contains("limit=2").contains("echo=true");
        }
        assertThat(seen).containsExactly(0, 1, 2, 3, 4);
        assertNoContent(producer.get(base + "/messages?echo=true&marker=invalid"));
        assertNoContent(producer.get(base + "/messages?echo=true&marker=99999999999999999999"));
    }

    @Test
    void listingAMissingQueueIsNoContentAndBadParametersAreRefused(Standalone s) {
        assertNoContent(consumer.get("/v1/queues/" + queueName() + "/messages"));
        assertError(consumer.get(base + "/messages", "Client-ID", null), 400, "Missing header value");
        for (String limit : new String[] {"0", "-1", "21"}) {
            assertError(consumer.get(base + "/messages?limit=" + limit), 400, "Invalid API request");
        }
        assertError(consumer.get(base + "/messages?limit=x"), 400, "Invalid query parameter");
        assertError(consumer.get(base + "/messages?echo=banana"), 400, "Invalid query parameter");
        assertError(consumer.get(base + "/messages?include_claimed=2"), 400, "Invalid query parameter");
    }

    @Test
    void getByIdsReturnsTheLiveOnesAndSkipsTheRest(Standalone s) {
        List<String> ids = post(batch(3, 300));
        consumer.post(base + "/claims?limit=1", "{\"ttl\": 60, \"grace\": 60}");
        String list = ids.get(0) + ",nonsense,," + ids.get(2) + ",ffffffffffffffffffffffff";
        V1Client.Resp r = consumer.get(base + "/messages?ids=" + list, "Client-ID", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().isArray()).isTrue();
        assertThat(r.json()).hasSize(2);
        assertThat(consumer.get(base + "/messages?ids=" + ids.get(0) + "&ids=" + ids.get(1)).json()).hasSize(2);
        assertNoContent(consumer.get(base + "/messages?ids=nonsense"));
        assertNoContent(consumer.get("/v1/queues/" + queueName() + "/messages?ids=" + ids.get(0)));
        String tooMany = String.join(",", java.util.Collections.nCopies(21, ids.get(0) + "x"));
        assertError(consumer.get(base + "/messages?ids=" + tooMany), 400, "Invalid API request");
    }

    @Test
    void deleteByIdsIgnoresClaimsAndNeedsIds(Standalone s) {
        List<String> ids = post(batch(3, 300));
        consumer.post(base + "/claims?limit=3", "{\"ttl\": 60, \"grace\": 60}");
        assertNoContent(consumer.delete(base + "/messages?ids=" + ids.get(0) + "," + ids.get(1) + ",nonsense"));
        assertThat(consumer.get(base + "/stats").json().path("messages").path("total").asInt()).isEqualTo(1);
        assertNoContent(consumer.delete(base + "/messages?ids=" + ids.get(0)));
        assertNoContent(consumer.delete("/v1/queues/" + queueName() + "/messages?ids=" + ids.get(2)));
        assertError(consumer.delete(base + "/messages"), 400, "Missing query parameter");
        assertError(consumer.delete(base + "/messages?ids="), 400, "Missing query parameter");
        String tooMany = String.join(",", java.util.Collections.nCopies(21, ids.get(2)));
        assertError(consumer.delete(base + "/messages?ids=" + tooMany), 400, "Invalid API request");
        assertThat(consumer.get(base + "/stats").json().path("messages").path("total").asInt()).isEqualTo(1);
    }

    @Test
    void getOneIsOkWhetherClaimedOrNotAndNotFoundOtherwise(Standalone s) {
        List<String> ids = post(batch(1, 300));
        V1Client.Resp r = consumer.get(base + "/messages/" + ids.get(0));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Location")).isEqualTo(base + "/messages/" + ids.get(0));
        assertThat(r.json().path("href").asText()).isEqualTo(base + "/messages/" + ids.get(0));
        consumer.post(base + "/claims", "{\"ttl\": 60, \"grace\": 60}");
        assertThat(consumer.get(base + "/messages/" + ids.get(0) + "?claim_id=whatever").status()).isEqualTo(200);
        assertError(consumer.get(base + "/messages/nonsense"), 404, "Not found");
        assertError(consumer.get(base + "/messages/ffffffffffffffffffffffff"), 404, "Not found");
        assertError(consumer.get("/v1/queues/" + queueName() + "/messages/" + ids.get(0)), 404, "Not found");
    }

    @Test
    void deleteOneFollowsTheClaimTable(Standalone s) {
        List<String> ids = post(batch(4, 300));
        String m0 = base + "/messages/" + ids.get(0);
        // not claimed, no claim id: deleted
        assertNoContent(consumer.delete(m0));
        assertError(consumer.get(m0), 404, "Not found");
        // does not exist (any reason): 204
        assertNoContent(consumer.delete(m0));
        assertNoContent(consumer.delete(base + "/messages/nonsense"));
        // claimed: no claim id is 403 and keeps it
        JsonNode claimed = consumer.post(base + "/claims?limit=2", "{\"ttl\": 60, \"grace\": 60}").json();
        String href1 = claimed.get(0).path("href").asText();
        String claimId = href1.substring(href1.indexOf("claim_id=") + "claim_id=".length());
        String m1 = href1.substring(0, href1.indexOf('?'));
        assertError(consumer.delete(m1), 403, "Unable to delete");
        // malformed claim id: 400, kept
        assertError(consumer.delete(m1 + "?claim_id=garbage"), 400, "Unable to delete");
        // a different live claim's id: 403, kept
        JsonNode other = consumer.post(base + "/claims?limit=1", "{\"ttl\": 60, \"grace\": 60}").json();
        String otherHref = other.get(0).path("href").asText();
        String otherClaim = otherHref.substring(otherHref.indexOf("claim_id=") + 9);
        assertError(consumer.delete(m1 + "?claim_id=" + otherClaim), 403, "Unable to delete");
        assertThat(consumer.get(m1).status()).isEqualTo(200);
        // the claim's own href deletes it
        assertNoContent(consumer.delete(href1));
        assertError(consumer.get(m1), 404, "Not found");
        // released claim's id: 400, kept
        String href2 = claimed.get(1).path("href").asText();
        assertNoContent(consumer.delete(base + "/claims/" + claimId));
        assertError(consumer.delete(href2), 400, "Unable to delete");
        assertThat(consumer.get(href2.substring(0, href2.indexOf('?'))).status()).isEqualTo(200);
    }

    @Test
    void anotherProjectsIdsFindNothingAndDeleteNothing(Standalone s) {
        List<String> ids = post(batch(2, 300));
        V1Client stranger = s.client("p-" + UUID.randomUUID());
        stranger.put(base, null);
        assertError(stranger.get(base + "/messages/" + ids.get(0)), 404, "Not found");
        assertNoContent(stranger.get(base + "/messages?ids=" + String.join(",", ids)));
        assertNoContent(stranger.delete(base + "/messages/" + ids.get(0)));
        assertNoContent(stranger.delete(base + "/messages?ids=" + String.join(",", ids)));
        assertNoContent(stranger.post(base + "/claims", "{\"ttl\": 60, \"grace\": 60}"));
        assertThat(consumer.get(base + "/stats").json().path("messages").path("total").asInt()).isEqualTo(2);
    }
}
