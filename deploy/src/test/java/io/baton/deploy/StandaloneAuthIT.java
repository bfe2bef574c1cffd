package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton standalone --auth tokens} as a real process: the REST port and the gRPC port both
 * take the tokens file's tokens and refuse calls without one; the gateway reaches its broker with
 * a service identity of its own, which no file names.
 */
class StandaloneAuthIT {
    private static final String TOKEN = "alpha-token-0123456789";
    @TempDir
    static Path dir;
    private static BrokerProcess standalone;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path tokens = dir.resolve("tokens.json");
        Files.writeString(tokens, "{\"tokens\": {\"" + TOKEN + "\": [\"alpha\"]}}");
        standalone = BrokerProcess.start(dir.resolve("data"), dir.resolve("standalone.log"), "256m", "--auth", "tokens",
                "--tokens-file", tokens.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (standalone != null) {
            standalone.close();
        }
    }

    private static int rest(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(standalone.httpBase() + path))
                .header("Client-ID", "0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10").header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            r.header("X-Auth-Token", token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void restAndGrpcBothTakeTheFilesTokensAndRefuseCallsWithoutOne() throws Exception {
        assertThat(rest("PUT", "/queues/jobs", null, null)).isEqualTo(401);
        assertThat(rest("PUT", "/queues/jobs", "wrong-token-0123456789", null)).isEqualTo(401);
        // Through the gateway, which calls its broker with its own service identity.
        assertThat(rest("PUT", "/queues/jobs", TOKEN, null)).isEqualTo(201);
        assertThat(rest("POST", "/queues/jobs/messages", TOKEN, "[{\"ttl\": 300, \"body\": {\"n\": 1}}]")).isEqualTo(201);

        String grpc = standalone.grpcAddress();
        CliRun refused = CliRun.of(grpc, "queue", "stats", "jobs", "--project", "alpha");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.output()).containsIgnoringCase("token");
        assertThat(CliRun.of(grpc, "queue", "stats", "jobs", "--project", "beta", "--token", TOKEN).exit()).isNotZero();
        CliRun ok = CliRun.of(grpc, "queue", "stats", "jobs", "--project", "alpha", "--token", TOKEN);
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("\"total\"");
    }
}
