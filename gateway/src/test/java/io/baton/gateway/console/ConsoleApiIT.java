package io.baton.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.auth.TokenFile;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.testing.Standalone;
import io.baton.gateway.testing.V1Client;
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
