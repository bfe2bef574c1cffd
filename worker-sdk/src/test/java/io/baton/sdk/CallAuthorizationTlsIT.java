package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.tls.TlsCredentials;
import io.baton.auth.CertificateAuthority;
import io.baton.broker.BrokerConfig;
import io.baton.broker.testing.LocalBroker;
import io.baton.broker.testing.TestCertificates;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CallAuthorizationSuite} over mutual TLS, with certificates issued in the test: the broker
 * requires a client certificate from the test CA as well as a token. Also: clients without TLS,
 * without a client certificate or not trusting the broker's CA are refused before any call, and a
 * certificate replaced on the broker's disk is served to new connections without a restart.
 */
class CallAuthorizationTlsIT extends CallAuthorizationSuite {
    private static final String TOKEN = "tok-alpha-0123456789";
    private Path dir;
    private TestCertificates certs;
    private LocalBroker broker;

    @Override
    LocalBroker startBroker(UnaryOperator<BrokerConfig.Builder> auth) throws Exception {
        dir = Files.createTempDirectory("tls");
        certs = TestCertificates.create(dir);
        broker = LocalBroker.start(b -> auth.apply(b).tls(certs.server(true)));
        return broker;
    }

    @AfterAll
    void deleteCertificates() throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    ManagedChannel rawChannel(String address) {
        return TlsCredentials.channelBuilder(address, certs.client()).build();
    }

    @Override
    BatonClient.Builder client() {
        return BatonClient.builder().trustCertificates(certs.caFile()).clientCertificate(certs.clientCertificate(), certs.clientKey());
    }

    private static void refused(BatonClient.Builder b) {
        try (BatonClient c = b.project("alpha").token(TOKEN).callTimeout(Duration.ofSeconds(3)).build()) {
            assertThatThrownBy(() -> c.stats("q")).isInstanceOf(BatonException.class);
        }
    }

    @Test
    void clientsWithoutTlsOrACertificateOrTrustAreRefused() {
        String address = broker.address();
        refused(BatonClient.builder().target(address));
        refused(BatonClient.builder().target(address).trustCertificates(certs.caFile()));
        Path strangers = dir.resolve("strangers");
        TestCertificates other = TestCertificates.create(mkdirs(strangers));
        refused(BatonClient.builder().target(address).trustCertificates(certs.caFile())
                .clientCertificate(other.clientCertificate(), other.clientKey()));
        refused(BatonClient.builder().target(address).trustCertificates(other.caFile())
                .clientCertificate(certs.clientCertificate(), certs.clientKey()));
        try (BatonClient good = client().target(address).project("alpha").token(TOKEN).build()) {
            assertThat(good.stats("q").total()).isEqualTo(2);
        }
    }

    @Test
    void aCertificateReplacedOnDiskIsServedToNewConnections() throws Exception {
        // A second CA, trusted by a client that knows only it: it can connect once the broker serves
        // a certificate from that CA, which is written over the broker's files while it runs.
        Path next = mkdirs(dir.resolve("next"));
        CertificateAuthority nextCa = CertificateAuthority.create("next ca", Duration.ofDays(1));
        nextCa.write(next.resolve("ca.pem"), next.resolve("ca-key.pem"));
        Files.writeString(next.resolve("both-cas.pem"), Files.readString(certs.caFile()) + Files.readString(next.resolve("ca.pem")));
        BatonClient.Builder onlyNext = BatonClient.builder().target(broker.address()).trustCertificates(next.resolve("ca.pem"))
                .clientCertificate(certs.clientCertificate(), certs.clientKey());
        refused(onlyNext);
        nextCa.issue("server", List.of("localhost", "127.0.0.1"), Duration.ofDays(1))
                .write(certs.serverCertificate(), certs.serverKey());
        Awaitility.await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            try (BatonClient c = onlyNext.project("alpha").token(TOKEN).callTimeout(Duration.ofSeconds(3)).build()) {
                assertThat(c.stats("q").total()).isEqualTo(2);
            }
        });
        // Clients that trust both CAs (a CA rotation in progress) keep working throughout.
        try (BatonClient c = BatonClient.builder().target(broker.address()).trustCertificates(next.resolve("both-cas.pem"))
                .clientCertificate(certs.clientCertificate(), certs.clientKey()).project("alpha").token(TOKEN).build()) {
            assertThat(c.stats("q").total()).isEqualTo(2);
        }
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
