package io.baton.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.auth.TokenFile;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import io.baton.sdk.BatonClient;
import io.baton.sdk.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The console's files and JSON endpoints over HTTP, with tokens on and off. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleApiIT {
    private static final String TOKEN_A = "token-console-a-0123456789";
    private static final String TOKEN_B = "token-console-b-0123456789";

    private Path tokens;
    private Standalone secured;
    private Standalone open;

    @BeforeAll
    void start() throws Exception {
        tokens = Files.createTempFile("tokens", ".json");
        Files.writeString(tokens, "{\"tokens\": {\"" + TOKEN_A + "\": [\"console-a\"], \"" + TOKEN_B + "\": [\"console-b\"]}}");
        secured = Standalone.start(TokenFile.load(tokens));
        open = Standalone.start(Authenticator.none());
    }

    @AfterAll
    void stop() throws Exception {
        try {
            secured.close();
            open.close();
        } finally {
            Files.deleteIfExists(tokens);
        }
    }

    @Test
    void theSessionEndpointChecksTheTokenAgainstTheProject() {
        V1Client anyone = secured.client("console-a");
        assertThat(anyone.get("/console/api/session").status()).isEqualTo(401);
        assertThat(anyone.get("/console/api/session", "X-Auth-Token", "not-a-token-at-all").status()).isEqualTo(401);
        V1Client.Resp forbidden = anyone.get("/console/api/session", "X-Auth-Token", TOKEN_B);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().get("title").asText()).isEqualTo("Not authorized");
        V1Client.Resp ok = anyone.get("/console/api/session", "X-Auth-Token", TOKEN_A);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("project").asText()).isEqualTo("console-a");
        assertThat(ok.json().get("tokens").asBoolean()).isTrue();
        assertThat(ok.headers().firstValue("Cache-Control")).hasValue("no-store");
        // A token for one project, none named: that project.
        assertThat(secured.client(null).get("/console/api/session", "X-Auth-Token", TOKEN_B).json().get("project").asText())
                .isEqualTo("console-b");
        assertThat(anyone.get("/console/api/session", "X-Project-Id", "p".repeat(257), "X-Auth-Token", TOKEN_A).status()).isEqualTo(400);
    }

    @Test
    void withoutAuthenticationTheSessionNeedsNoToken() {
        V1Client.Resp ok = open.client("anything").get("/console/api/session");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("project").asText()).isEqualTo("anything");
        assertThat(ok.json().get("tokens").asBoolean()).isFalse();
    }

    @Test
    void theMessageBrowserShowsClaimsAndLedgersOfItsProjectOnly() {
        V1Client c = secured.client("console-a").with("X-Auth-Token", TOKEN_A);
        assertThat(c.put("/v1/queues/browsed", null).status()).isEqualTo(201);
        String big = "x".repeat(600);
        assertThat(c.post("/v1/queues/browsed/messages", "[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"body\": \"" + big + "\"}]")
                .status()).isEqualTo(201);
        V1Client.Resp claim = c.post("/v1/queues/browsed/claims?limit=1", "{\"ttl\": 300, \"grace\": 60}");
        String claimId = claim.headers().firstValue("Location").orElseThrow().replaceAll(".*/", "");

        V1Client.Resp page = c.get("/console/api/queues/browsed/messages");
        assertThat(page.status()).isEqualTo(200);
        var messages = page.json().get("messages");
        assertThat(messages).hasSize(2);
        var first = messages.get(0);
        assertThat(first.get("claim_id").asText()).isEqualTo(claimId);
        assertThat(first.get("attempts").asInt()).isEqualTo(1);
        assertThat(first.get("ledger").get(0).get("outcome").asText()).isEqualTo("running");
        assertThat(first.get("body_preview").asText()).isEqualTo("1");
        var second = messages.get(1);
        assertThat(second.get("claim_id").isNull()).isTrue();
        assertThat(second.get("body_cut").asBoolean()).isTrue();
        assertThat(second.get("body_preview").asText()).hasSize(MessageBrowser.PREVIEW_CHARS);
        assertThat(page.json().get("next").isNull()).isTrue();
        V1Client.Resp one = c.get("/console/api/queues/browsed/messages?limit=1");
        assertThat(one.json().get("messages")).hasSize(1);
        String marker = one.json().get("next").asText();
        assertThat(c.get("/console/api/queues/browsed/messages?limit=1&marker=" + marker).json().get("messages").get(0).get("body_cut")
                .asBoolean()).isTrue();

        // Another project's token sees its own project (no messages under that name there), never this one.
        V1Client.Resp other = secured.client("console-b").get("/console/api/queues/browsed/messages", "X-Auth-Token", TOKEN_B);
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.json().get("messages")).isEmpty();
        assertThat(secured.client("console-a").get("/console/api/queues/browsed/messages", "X-Auth-Token", TOKEN_B).status()).isEqualTo(403);
        assertThat(secured.client("console-a").get("/console/api/queues/browsed/messages").status()).isEqualTo(401);
        assertThat(c.get("/console/api/queues/browsed/messages?limit=0").status()).isEqualTo(400);
        assertThat(c.get("/console/api/queues/browsed/messages?limit=many").status()).isEqualTo(400);
        assertThat(c.get("/console/api/queues/no%20spaces/messages").status()).isEqualTo(400);
        assertThat(c.get("/console/api/queues/browsed/nothing").status()).isEqualTo(404);
    }

    @Test
    void theQueueOverviewGivesAPageOfQueuesWithTheirCounts() {
        V1Client c = secured.client("console-b").with("X-Auth-Token", TOKEN_B);
        for (String q : new String[] {"ov-1", "ov-2", "ov-3"}) {
            assertThat(c.put("/v1/queues/" + q, null).status()).isEqualTo(201);
        }
        assertThat(c.post("/v1/queues/ov-2/messages", "[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"body\": 2}]").status())
                .isEqualTo(201);
        assertThat(c.post("/v1/queues/ov-2/claims?limit=1", "{\"ttl\": 300, \"grace\": 60}").status()).isEqualTo(201);
        V1Client.Resp first = c.get("/console/api/queues?limit=2");
        assertThat(first.status()).isEqualTo(200);
        var queues = first.json().get("queues");
        assertThat(queues).hasSize(2);
        assertThat(queues.get(0).get("name").asText()).isEqualTo("ov-1");
        assertThat(queues.get(0).get("oldest_age").isNull()).isTrue();
        var ov2 = queues.get(1);
        assertThat(ov2.get("name").asText()).isEqualTo("ov-2");
        assertThat(ov2.get("total").asInt()).isEqualTo(2);
        assertThat(ov2.get("claimed").asInt()).isEqualTo(1);
        assertThat(ov2.get("free").asInt()).isEqualTo(1);
        assertThat(ov2.get("delayed").asInt()).isZero();
        assertThat(ov2.get("oldest_age").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(first.json().get("next").asText()).isEqualTo("ov-2");
        V1Client.Resp rest = c.get("/console/api/queues?limit=2&marker=ov-2");
        assertThat(rest.json().get("queues")).hasSize(1);
        assertThat(rest.json().get("next").isNull()).isTrue();
        // Project a's token never lists b's queues.
        V1Client.Resp a = secured.client("console-a").get("/console/api/queues", "X-Auth-Token", TOKEN_A);
        assertThat(a.body()).doesNotContain("ov-");
        assertThat(secured.client("console-b").get("/console/api/queues", "X-Auth-Token", TOKEN_A).status()).isEqualTo(403);
        assertThat(c.get("/console/api/queues?limit=21").status()).isEqualTo(400);
        assertThat(c.get("/console/api/queues?marker=not%20a%20name").status()).isEqualTo(400);
    }

    @Test
    void deadLetterQueuesAreFoundFromMetadataAndRedriveIsAJsonPost() {
        V1Client c = secured.client("console-a").with("X-Auth-Token", TOKEN_A);
        for (String q : new String[] {"dl-src-1", "dl-src-2", "dl-plain", "dl-target"}) {
            assertThat(c.put("/v1/queues/" + q, null).status()).isEqualTo(201);
        }
        assertThat(c.put("/v1/queues/dl-src-1/metadata", "{\"_max_claim_count\": 3, \"_dead_letter_queue\": \"dl-target\"}").status())
                .isEqualTo(204);
        assertThat(c.put("/v1/queues/dl-src-2/metadata", "{\"_max_claim_count\": 3, \"_dead_letter_queue\": \"dl-target\"}").status())
                .isEqualTo(204);
        assertThat(c.put("/v1/queues/dl-plain/metadata", "{\"owner\": \"ops\"}").status()).isEqualTo(204);
        V1Client.Resp list = c.get("/console/api/dead-letters");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("complete").asBoolean()).isTrue();
        var found = list.json().get("dead_letter_queues");
        assertThat(found).hasSize(1);
        assertThat(found.get(0).get("name").asText()).isEqualTo("dl-target");
        assertThat(found.get(0).get("sources")).extracting(com.fasterxml.jackson.databind.JsonNode::asText)
                .containsExactly("dl-src-1", "dl-src-2");
        assertThat(secured.client("console-b").get("/console/api/dead-letters", "X-Auth-Token", TOKEN_B).json()
                .get("dead_letter_queues")).isEmpty();

        // A queue with nothing dead-lettered: nothing to send back.
        V1Client.Resp none = c.post("/console/api/queues/dl-target/redrive", "{}");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.json().get("started").asInt()).isZero();
        assertThat(c.post("/console/api/queues/dl-target/redrive", "{}", "Content-Type", "text/plain").status()).isEqualTo(415);
        assertThat(c.post("/console/api/queues/dl-target/redrive", "[1]").status()).isEqualTo(400);
        assertThat(c.post("/console/api/queues/dl-target/redrive", "{\"ids\": [1]}").status()).isEqualTo(400);
        assertThat(c.post("/console/api/queues/dl-target/redrive", "not json").status()).isEqualTo(400);
        V1Client.Resp get = c.get("/console/api/queues/dl-target/redrive");
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(secured.client("console-a").post("/console/api/queues/dl-target/redrive", "{}", "X-Auth-Token", TOKEN_B).status())
                .isEqualTo(403);
    }

    @Test
    void theOverviewReportsEveryBrokerAndSlotAndTheWorkersPageOnlyThisProjectsStreams() throws Exception {
        V1Client c = secured.client("console-a").with("X-Auth-Token", TOKEN_A);
        assertThat(c.put("/v1/queues/watched", null).status()).isEqualTo(201);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        try (BatonClient sdk = BatonClient.builder().target(secured.broker().address()).project("console-a").token(TOKEN_A).build()) {
            Worker worker = Worker.builder(sdk).queue("watched").name("worker-under-test").concurrency(1).handler(job -> {
                running.countDown();
                finish.await();
            }).build().start();
            try {
                assertThat(c.post("/v1/queues/watched/messages", "[{\"ttl\": 300, \"body\": 1}]").status()).isEqualTo(201);
                assertThat(running.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

                var overview = c.get("/console/api/overview");
                assertThat(overview.status()).isEqualTo(200);
                var o = overview.json();
                assertThat(o.get("healthy").asBoolean()).isTrue();
                assertThat(o.get("brokers")).hasSize(1);
                var broker = o.get("brokers").get(0);
                assertThat(broker.get("reachable").asBoolean()).isTrue();
                assertThat(broker.get("zookeeper").asBoolean()).isTrue();
                assertThat(broker.get("storage").asText()).isEqualTo("file");
                assertThat(broker.get("problems")).isEmpty();
                assertThat(broker.get("slots").asInt()).isEqualTo(o.get("slot_count").asInt());
                assertThat(o.get("slots")).hasSize(o.get("slot_count").asInt());
                for (var slot : o.get("slots")) {
                    assertThat(slot.get("state").asText()).isEqualTo("SERVING");
                    assertThat(slot.get("owner").asText()).isEqualTo(broker.get("id").asText());
                    assertThat(slot.get("epoch").asLong()).isPositive();
                }

                var streams = c.get("/console/api/workers").json();
                assertThat(streams.get("unreachable")).isEmpty();
                assertThat(streams.get("streams")).hasSize(1);
                var stream = streams.get("streams").get(0);
                assertThat(stream.get("worker").asText()).isEqualTo("worker-under-test");
                assertThat(stream.get("queue").asText()).isEqualTo("watched");
                assertThat(stream.get("held").asInt()).isOne();
                assertThat(stream.get("credits").asInt()).isEqualTo(2);
                assertThat(stream.get("credits_free").asInt()).isOne();
                assertThat(stream.get("pushed").asInt()).isOne();
                assertThat(stream.get("peer").asText()).isNotEmpty();
                assertThat(stream.get("broker").asText()).isEqualTo(broker.get("id").asText());

                // Another project's workers page never shows this stream; no token, no page.
                assertThat(secured.client("console-b").get("/console/api/workers", "X-Auth-Token", TOKEN_B).json().get("streams"))
                        .isEmpty();
                assertThat(secured.client("console-a").get("/console/api/workers").status()).isEqualTo(401);
                assertThat(secured.client("console-a").get("/console/api/overview", "X-Auth-Token", TOKEN_B).status()).isEqualTo(403);
                // The broker itself checks the project a status asks about against the token.
                try (BatonClient asB = BatonClient.builder().target(secured.broker().address()).project("console-a").token(TOKEN_B)
                        .build()) {
                    assertThat(org.assertj.core.api.Assertions.catchThrowable(
                            () -> asB.brokerStatusAsync(secured.broker().address(), java.time.Duration.ofSeconds(5)).join()))
                            .cause().isInstanceOfSatisfying(io.baton.sdk.BatonException.class,
                                    e -> assertThat(e.code()).isEqualTo(io.baton.api.ErrorCode.PERMISSION_DENIED));
                }
            } finally {
                finish.countDown();
                worker.shutdown();
                assertThat(worker.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
            }
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> c.get("/console/api/workers").json().get("streams").isEmpty());
    }

    @Test
    void aPurgeDeletesUpToTheMessageConfirmedAndCountsIt() {
        V1Client c = secured.client("console-a").with("X-Auth-Token", TOKEN_A);
        assertThat(c.put("/v1/queues/purged", null).status()).isEqualTo(201);
        assertThat(c.post("/v1/queues/purged/messages", "[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"body\": 2}]").status())
                .isEqualTo(201);
        assertThat(c.post("/v1/queues/purged/claims?limit=1", "{\"ttl\": 300, \"grace\": 60}").status()).isEqualTo(201);
        String newest = c.get("/v1/queues/purged/stats").json().get("messages").get("newest").get("href").asText().replaceAll(".*/", "");
        assertThat(c.post("/v1/queues/purged/messages", "[{\"ttl\": 300, \"body\": 3}]").status()).isEqualTo(201);

        V1Client.Resp purged = c.post("/console/api/queues/purged/purge", "{\"up_to\": \"" + newest + "\"}");
        assertThat(purged.status()).isEqualTo(200);
        assertThat(purged.json().get("deleted").asInt()).isEqualTo(2);
        var stats = c.get("/v1/queues/purged/stats").json().get("messages");
        assertThat(stats.get("total").asInt()).isOne();
        assertThat(stats.get("claimed").asInt()).isZero();

        // The queues page counts what came and went in its traffic window.
        var row = c.get("/console/api/queues?marker=purge&limit=1").json().get("queues").get(0);
        assertThat(row.get("name").asText()).isEqualTo("purged");
        assertThat(row.get("rates").get("bucket_ms").asInt()).isEqualTo(10_000);
        assertThat(sum(row.get("rates").get("posted"))).isEqualTo(3);
        assertThat(sum(row.get("rates").get("deleted"))).isEqualTo(2);

        assertThat(c.post("/console/api/queues/purged/purge", "{}").status()).isEqualTo(400);
        assertThat(c.post("/console/api/queues/purged/purge", "{\"up_to\": \"not-an-id\"}").status()).isEqualTo(400);
        assertThat(c.post("/console/api/queues/purged/purge", "{\"up_to\": \"" + newest + "\"}", "Content-Type", "text/plain")
                .status()).isEqualTo(415);
        V1Client.Resp get = c.get("/console/api/queues/purged/purge");
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(secured.client("console-a").post("/console/api/queues/purged/purge", "{\"up_to\": \"" + newest + "\"}",
                "X-Auth-Token", TOKEN_B).status()).isEqualTo(403);
        // A queue of that name in another project is another queue: the id is not one of its messages.
        assertThat(secured.client("console-b").post("/console/api/queues/purged/purge", "{\"up_to\": \"" + newest + "\"}",
                "X-Auth-Token", TOKEN_B).status()).isIn(400, 404);
        assertThat(c.get("/v1/queues/purged/stats").json().get("messages").get("total").asInt()).isOne();
    }

    private static int sum(com.fasterxml.jackson.databind.JsonNode values) {
        int n = 0;
        for (var v : values) {
            n += v.asInt();
        }
        return n;
    }

    @Test
    void thePagesAreServedWithAStrictContentPolicyAndNeedNoToken() {
        V1Client browser = secured.client(null);
        for (String path : new String[] {"/console", "/console/", "/console/console.js", "/console/console.css"}) {
            V1Client.Resp r = browser.get(path, "Accept", "*/*");
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'")
                    .contains("frame-ancestors 'none'");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(browser.get("/console").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(browser.get("/console/console.js").headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(browser.get("/console").body()).contains("<script type=\"module\" src=\"/console/console.js\">");
        V1Client.Resp head = browser.head("/console/console.js");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void unknownPathsAndOtherMethodsGetJsonErrors() {
        V1Client c = secured.client("console-a").with("X-Auth-Token", TOKEN_A);
        V1Client.Resp missing = c.get("/console/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("title").asText()).isEqualTo("Not found");
        V1Client.Resp post = c.post("/console/api/session", "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(c.delete("/console").status()).isEqualTo(405);
        // Not the console: the v1 API answers as before.
        assertThat(c.get("/consoles").status()).isEqualTo(404);
        assertThat(c.get("/v1/queues").status()).isIn(200, 204);
    }
}
