package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.tls.TlsCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure setup of docs/OPERATIONS.md as real processes and commands: {@code baton tokens init}
 * and {@code baton tls init} make the secrets, {@code baton standalone} serves HTTPS, gRPC over TLS
 * requiring client certificates, and HTTPS metrics; the CLI reaches it with {@code --tls-ca},
 * {@code --tls-cert}/{@code --tls-key} from {@code baton tls issue}, and a token.
 */
class StandaloneTlsIT {
    @TempDir
    static Path dir;
    private static BrokerProcess standalone;
    private static String token;
    private static HttpClient https;

    @BeforeAll
    static void start() throws Exception {
        Path secrets = dir.resolve("secrets");
        assertThat(CliRun.command("tokens", "init", secrets.toString(), "--project", "alpha").exit()).isZero();
        assertThat(CliRun.command("tls", "init", secrets.toString(), "--host", "127.0.0.1").exit()).isZero();
        assertThat(CliRun.command("tls", "issue", secrets.toString(), "worker-1").exit()).isZero();
        assertThat(CliRun.command("tls", "init", secrets.toString()).exit()).as("never overwrites").isEqualTo(1);
        var tokens = new ObjectMapper().readTree(secrets.resolve("tokens.json").toFile()).get("tokens").fields();
        while (tokens.hasNext()) {
            var e = tokens.next();
            if (e.getValue().get(0).asText().equals("alpha")) {
                token = e.getKey();
            }
        }
        standalone = BrokerProcess.start(dir.resolve("data"), dir.resolve("standalone.log"), "256m", "--auth", "tokens",
                "--tokens-file", secrets.resolve("tokens.json").toString(), "--tls-cert", secrets.resolve("baton.pem").toString(),
                "--tls-key", secrets.resolve("baton-key.pem").toString(), "--tls-ca", secrets.resolve("ca.pem").toString(),
                "--tls-client-auth");
        SSLContext trust = SSLContext.getInstance("TLS");
        trust.init(null, new TrustManager[] {TlsCredentials.trusting(secrets.resolve("ca.pem")).trust()}, null);
        https = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (standalone != null) {
            standalone.close();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Client-ID", "0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10").header("X-Auth-Token", token);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyPortIsEncryptedAndTheToolsReachIt() throws Exception {
        assertThat(standalone.httpBase()).startsWith("https://");
        assertThat(standalone.metricsBase()).startsWith("https://");
        HttpRequest put = HttpRequest.newBuilder(URI.create(standalone.httpBase() + "/queues/jobs")).timeout(Duration.ofSeconds(10))
                .header("Client-ID", "0d4b3c8e-54c4-4b1f-9b2a-6b7b1c5d2e10").header("X-Auth-Token", token)
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        assertThat(https.send(put, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(201);
        assertThat(get(https, standalone.metricsBase() + "/health").statusCode()).isEqualTo(204);
        assertThat(get(https, standalone.metricsBase() + "/metrics").body()).contains("baton_");
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> get(untrusting, standalone.httpBase() + "/queues")).isInstanceOf(java.io.IOException.class);

        String grpc = standalone.grpcAddress();
        Path secrets = dir.resolve("secrets");
        String ca = secrets.resolve("ca.pem").toString();
        String[] worker = {"--tls-cert", secrets.resolve("worker-1.pem").toString(), "--tls-key", secrets.resolve("worker-1-key.pem").toString()};
        assertThat(CliRun.of(grpc, "queue", "stats", "jobs", "--project", "alpha", "--token", token).exit()).as("plaintext").isNotZero();
        assertThat(CliRun.of(grpc, "queue", "stats", "jobs", "--project", "alpha", "--token", token, "--tls-ca", ca).exit())
                .as("no client certificate").isNotZero();
        CliRun ok = CliRun.of(grpc, "queue", "stats", "jobs", "--project", "alpha", "--token", token, "--tls-ca", ca,
                worker[0], worker[1], worker[2], worker[3]);
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("\"total\"");
    }
}
