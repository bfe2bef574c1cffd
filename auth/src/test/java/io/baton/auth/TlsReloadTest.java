package io.baton.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.tls.TlsCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.KeyManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS handshakes over loopback between the JDK's TLS engine and the reloading key and trust
 * managers, with certificates issued in the test: a certificate replaced on disk is presented by
 * the next handshake, a half-done or broken replacement leaves the previous one in use, and a CA
 * file replaced on disk changes what is trusted.
 */
class TlsReloadTest {
    private static final Duration DAY = Duration.ofDays(1);
    @TempDir
    Path dir;
    private final ExecutorService server = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    /** Serves one handshake with {@code serverSide}, connects with {@code clientSide} to {@code host}; the certificate the client saw. */
    private X509Certificate handshake(TlsCredentials serverSide, TlsCredentials clientSide, String host) throws Exception {
        SSLContext s = SSLContext.getInstance("TLS");
        s.init(new KeyManager[] {serverSide.identity()}, serverSide.trust() == null ? null : new TrustManager[] {serverSide.trust()}, null);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(clientSide.identity() == null ? null : new KeyManager[] {clientSide.identity()}, new TrustManager[] {clientSide.trust()}, null);
        try (SSLServerSocket listener = (SSLServerSocket) s.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(serverSide.requiresClientCertificates());
            Future<?> accepted = server.submit(() -> {
                try (SSLSocket a = (SSLSocket) listener.accept()) {
                    a.startHandshake();
                    a.getOutputStream().write(1);
                    a.getInputStream().read();
                } catch (IOException e) {
                    // the client's failure is what the test looks at
                }
                return null;
            });
            try (SSLSocket client = (SSLSocket) c.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                SSLParameters p = client.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
                client.setSSLParameters(p);
                client.startHandshake();
                client.getInputStream().read(); // TLS 1.3: the server's verdict on a client certificate arrives with data
                X509Certificate seen = (X509Certificate) client.getSession().getPeerCertificates()[0];
                client.getOutputStream().write(1);
                accepted.get();
                return seen;
            }
        }
    }

    private Path file(String name) {
        return dir.resolve(name);
    }

    @Test
    void presents_a_replaced_certificate_and_keeps_the_old_one_through_a_broken_replacement() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("test ca", DAY);
        ca.write(file("ca.pem"), file("ca-key.pem"));
        ca.issue("first", List.of("localhost", "127.0.0.1"), DAY).write(file("cert.pem"), file("key.pem"));
        TlsCredentials serverSide = TlsCredentials.load(file("cert.pem"), file("key.pem"), null, false);
        TlsCredentials clientSide = TlsCredentials.trusting(file("ca.pem"));
        assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=first");

        CertificateAuthority.Issued second = ca.issue("second", List.of("localhost"), DAY);
        second.write(file("cert.pem"), file("key.pem"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
                assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=second"));

        // Half a rotation: a new certificate beside the old key. The pair in use stays.
        ca.issue("third", List.of("localhost"), DAY).write(file("cert.pem"), file("other-key.pem"));
        Thread.sleep(1_100);
        assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=second");

        // A garbled key file: the same.
        Files.writeString(file("key.pem"), "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        Thread.sleep(1_100);
        assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=second");

        // The rotation completes: its key arrives.
        Files.copy(file("other-key.pem"), file("key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
                assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=third"));
    }

    @Test
    void checks_the_host_name_and_follows_the_trusted_ca_file() throws Exception {
        CertificateAuthority oldCa = CertificateAuthority.create("old ca", DAY);
        CertificateAuthority newCa = CertificateAuthority.create("new ca", DAY);
        oldCa.write(file("ca.pem"), file("ca-key.pem"));
        newCa.issue("server", List.of("localhost"), DAY).write(file("cert.pem"), file("key.pem"));
        TlsCredentials serverSide = TlsCredentials.load(file("cert.pem"), file("key.pem"), null, false);
        TlsCredentials clientSide = TlsCredentials.trusting(file("ca.pem"));
        assertThatThrownBy(() -> handshake(serverSide, clientSide, "localhost")).isInstanceOf(SSLHandshakeException.class);

        newCa.write(file("ca.pem"), file("ca-key.pem"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
                assertThat(handshake(serverSide, clientSide, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=server"));
        // Trusted issuer, another host's name.
        newCa.issue("server", List.of("elsewhere.example"), DAY).write(file("cert.pem"), file("key.pem"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThatThrownBy(() -> handshake(serverSide, clientSide, "localhost")).isInstanceOf(SSLHandshakeException.class)
                        .hasMessageContaining("localhost"));
    }

    @Test
    void requires_a_client_certificate_from_the_trusted_ca() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("ca", DAY);
        ca.write(file("ca.pem"), file("ca-key.pem"));
        ca.issue("broker", List.of("localhost"), DAY).write(file("cert.pem"), file("key.pem"));
        ca.issue("gateway", List.of(), DAY).write(file("client.pem"), file("client-key.pem"));
        CertificateAuthority.create("stranger", DAY).issue("intruder", List.of(), DAY).write(file("bad.pem"), file("bad-key.pem"));
        TlsCredentials serverSide = TlsCredentials.load(file("cert.pem"), file("key.pem"), file("ca.pem"), true);

        assertThat(handshake(serverSide, TlsCredentials.load(file("client.pem"), file("client-key.pem"), file("ca.pem"), false), "localhost"))
                .isNotNull();
        assertThatThrownBy(() -> handshake(serverSide, TlsCredentials.trusting(file("ca.pem")), "localhost")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> handshake(serverSide, TlsCredentials.load(file("bad.pem"), file("bad-key.pem"), file("ca.pem"), false),
                "localhost")).isInstanceOf(IOException.class);
    }

    @Test
    void refuses_at_start_what_it_cannot_use() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("ca", DAY);
        ca.issue("a", List.of("localhost"), DAY).write(file("a.pem"), file("a-key.pem"));
        ca.issue("b", List.of("localhost"), DAY).write(file("b.pem"), file("b-key.pem"));
        assertThatThrownBy(() -> TlsCredentials.load(file("a.pem"), file("b-key.pem"), null, false))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("does not belong");
        Files.writeString(file("pkcs1.pem"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsCredentials.load(file("a.pem"), file("pkcs1.pem"), null, false))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("openssl pkcs8");
        assertThatThrownBy(() -> TlsCredentials.load(file("a.pem"), file("missing.pem"), null, false))
                .isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> TlsCredentials.load(file("a.pem"), null, null, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TlsCredentials.load(file("a.pem"), file("a-key.pem"), null, true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file("a-key.pem")))).isEqualTo("rw-------");
    }
}
