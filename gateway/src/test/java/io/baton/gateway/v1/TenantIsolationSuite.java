package io.baton.gateway.v1;

import static io.baton.gateway.testing.V1Assertions.assertError;
import static io.baton.gateway.testing.V1Assertions.assertNoContent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.auth.TokenFile;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authentication with a tokens file (spec 1.2) and tenant isolation (3.7): project B's token can
 * neither see nor change project A's queues, messages or claims by any path, whatever ids it sends.
 * Run over HTTP in front of an in-process broker ({@link TenantIsolationIT}) and over HTTPS in
 * front of a broker reached over mutual TLS ({@link TenantIsolationTlsIT}).
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
abstract class TenantIsolationSuite {
    private Path tokens;
    private Standalone s;
    private V1Client a;
    private V1Client b;
    private V1Client bInAPath;

    /** A gateway and broker with authentication on, checking tokens against {@code users}. */
    abstract Standalone startStandalone(io.baton.auth.Credentials users) throws Exception;

    @BeforeAll
    void start() throws Exception {
        tokens = Files.createTempFile("tokens", ".json");
        Files.writeString(tokens, "{\"tokens\": {\"token-a-0123456789ab\": [\"project-a\"], \"token-b-0123456789ab\": [\"project-b\"],"
                + " \"token-ops-0123456789ab\": [\"project-a\", \"project-b\"]}}");
        s = startStandalone(TokenFile.load(tokens));
        a = s.client(null).with("X-Auth-Token", "token-a-0123456789ab");
        b = s.client(null).with("X-Auth-Token", "token-b-0123456789ab");
        bInAPath = s.client("project-a").with("X-Auth-Token", "token-b-0123456789ab");
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
        Files.deleteIfExists(tokens);
    }

    @Test
    void missingOrUnknownTokenIsUnauthorizedOnEveryRouteButLiveness() {
        V1Client none = s.client("project-a");
        V1Client wrong = none.with("X-Auth-Token", "nope");
        for (String path : new String[] {"/v1/", "/v1/health", "/v1/queues", "/v1/queues/q", "/v1/queues/q/stats",
            "/v1/queues/q/messages?ids=x", "/v1/queues/q/claims/x"}) {
            assertError(none.get(path), 401, null);
            assertError(wrong.get(path), 401, null);
        }
        assertError(none.post("/v1/queues/q/messages", "[{\"ttl\": 60, \"body\": 1}]"), 401, null);
        assertNoContent(none.head("/v1/health"));
        assertNoContent(a.get("/v1/health"));
        assertThat(a.get("/v1/").status()).isEqualTo(200);
    }

    @Test
    void aTokenActsInItsOnlyProjectWhenNoneIsNamed() {
        a.put("/v1/queues/implicit", null);
        assertNoContent(s.client("project-a").with("X-Auth-Token", "token-a-0123456789ab").get("/v1/queues/implicit"));
        assertNoContent(s.client(null).with("X-Auth-Token", "token-a-0123456789ab").get("/v1/project-a/queues/implicit"));
        assertError(s.client(null).with("X-Auth-Token", "token-ops-0123456789ab").get("/v1/queues"), 400, null);
        assertThat(s.client("project-b").with("X-Auth-Token", "token-ops-0123456789ab").get("/v1/queues").status()).isIn(200, 204);
    }

    @Test
    void aTokenUsedForAnotherProjectIsForbiddenInHeaderAndPathForms() {
        assertError(bInAPath.get("/v1/queues"), 403, null);
        assertError(b.get("/v1/project-a/queues"), 403, null);
        assertError(b.put("/v1/project-a/queues/x", null), 403, null);
        assertError(bInAPath.post("/v1/queues/x/claims", "{\"ttl\": 60, \"grace\": 60}"), 403, null);
    }

    @Test
    void projectBCannotListReadClaimOrDeleteProjectAsDataByAnyPath() {
        assertThat(a.put("/v1/queues/payroll", null).status()).isIn(201, 204);
        a.put("/v1/queues/payroll/metadata", "{\"owner\": \"a\"}");
        V1Client.Resp posted = a.post("/v1/queues/payroll/messages", "[{\"ttl\": 300, \"body\": 1}, {\"ttl\": 300, \"body\": 2}]");
        assertThat(posted.status()).isEqualTo(201);
        List<String> ids = new ArrayList<>();
        posted.json().path("resources").forEach(h -> ids.add(h.asText().substring(h.asText().lastIndexOf('/') + 1)));
        V1Client.Resp claim = a.post("/v1/queues/payroll/claims?limit=1", "{\"ttl\": 300, \"grace\": 60}");
        String claimId = claim.header("Location").substring(claim.header("Location").lastIndexOf('/') + 1);
        String before = snapshot();

        // B, in its own project, using A's queue name and A's ids: nothing is there.
        for (JsonNode q : listOf(b)) {
            assertThat(q.path("name").asText()).isNotEqualTo("payroll");
        }
        assertError(b.get("/v1/queues/payroll"), 404, null);
        assertError(b.get("/v1/queues/payroll/stats"), 404, null);
        assertError(b.get("/v1/queues/payroll/metadata"), 404, null);
        assertError(b.get("/v1/queues/payroll/messages/" + ids.get(0)), 404, null);
        assertNoContent(b.get("/v1/queues/payroll/messages?ids=" + String.join(",", ids)));
        assertNoContent(b.get("/v1/queues/payroll/messages?include_claimed=true&echo=true"));
        assertError(b.get("/v1/queues/payroll/claims/" + claimId), 404, null);
        assertNoContent(b.post("/v1/queues/payroll/claims", "{\"ttl\": 60, \"grace\": 60}"));
        assertError(b.patch("/v1/queues/payroll/claims/" + claimId, "{\"ttl\": 60}"), 404, null);
        assertNoContent(b.delete("/v1/queues/payroll/claims/" + claimId));
        assertNoContent(b.delete("/v1/queues/payroll/messages/" + ids.get(1)));
        // A's claim id was never issued in B's queue: the bad-claim-id answer (spec 2.9), and nothing deleted.
        assertError(b.delete("/v1/queues/payroll/messages/" + ids.get(0) + "?claim_id=" + claimId), 400, "Unable to delete");
        assertNoContent(b.delete("/v1/queues/payroll/messages?ids=" + String.join(",", ids)));
        assertError(b.put("/v1/queues/payroll/metadata", "{\"owner\": \"b\"}"), 404, null);
        assertError(b.post("/v1/queues/payroll/messages", "[{\"ttl\": 60, \"body\": \"spam\"}]"), 404, null);
        assertNoContent(b.delete("/v1/queues/payroll"));

        // B, naming project A in the path or the header: forbidden before anything is looked at.
        for (V1Client.Resp r : List.of(b.get("/v1/project-a/queues/payroll/stats"), bInAPath.get("/v1/queues/payroll/stats"),
                bInAPath.delete("/v1/queues/payroll"), b.delete("/v1/project-a/queues/payroll/messages?ids=" + ids.get(1)),
                bInAPath.post("/v1/queues/payroll/claims", "{\"ttl\": 60, \"grace\": 60}"))) {
            assertError(r, 403, null);
        }

        assertThat(snapshot()).isEqualTo(before);
    }

    private Iterable<JsonNode> listOf(V1Client c) {
        V1Client.Resp r = c.get("/v1/queues?limit=20");
        return r.status() == 204 ? List.of() : r.json().path("queues");
    }

    /** Everything A can observe about its queue, minus ages (which tick). */
    private String snapshot() {
        String stats = a.get("/v1/queues/payroll/stats").json().path("messages").toString().replaceAll("\"age\":\\d+,?", "");
        String listing = a.with("Client-ID", java.util.UUID.randomUUID().toString())
                .get("/v1/queues/payroll/messages?include_claimed=true").body().replaceAll("\"age\":\\d+,?", "");
        return stats + listing + a.get("/v1/queues/payroll/metadata").body();
    }

    @Test
    void tokensFileIsReloadedWhenItChanges() throws Exception {
        assertError(s.client(null).with("X-Auth-Token", "token-new-0123456789ab").get("/v1/queues"), 401, null);
        String old = Files.readString(tokens);
        Files.writeString(tokens, old.replace("\"token-ops-0123456789ab\"", "\"token-new-0123456789ab\": [\"project-c\"], \"token-ops-0123456789ab\""));
        Files.setLastModifiedTime(tokens, FileTime.from(Instant.now().plusSeconds(5)));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(s.client(null).with("X-Auth-Token", "token-new-0123456789ab").get("/v1/queues").status()).isIn(200, 204));
    }
}
