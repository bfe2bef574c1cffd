package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.testing.TestCertificates;
import io.baton.gateway.testing.Standalone;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TenantIsolationSuite} over HTTPS, with certificates issued in the test; the gateway calls
 * its broker over TCP with mutual TLS and its service token. Also: plain HTTP and a client that
 * does not trust the gateway's CA get nothing.
 */
class TenantIsolationTlsIT extends TenantIsolationSuite {
    private Path dir;
    private Standalone standalone;

    @Override
    Standalone startStandalone(io.baton.auth.Credentials users) throws Exception {
        dir = Files.createTempDirectory("tls");
        standalone = Standalone.startSecure(users, TestCertificates.create(dir));
        return standalone;
    }

    @AfterAll
    void deleteCertificates() throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void theGatewaysReadinessNeedsNoTokenAndSeesItsBrokerOverTls() {
        org.assertj.core.api.Assertions.assertThat(standalone.gatewayProblems()).isEmpty();
    }

    @Test
    void plainHttpAndUntrustingClientsGetNothing() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + standalone.port() + "/v1/health"))
                .timeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(health, HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
        HttpRequest overTls = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + standalone.port() + "/v1/health"))
                .timeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(overTls, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
}
