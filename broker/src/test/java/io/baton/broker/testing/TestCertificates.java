package io.baton.broker.testing;

import io.baton.api.tls.TlsCredentials;
import io.baton.auth.CertificateAuthority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Real certificates for TLS tests, issued by a CA made for the test: {@code ca.pem}, a server (and
 * client) certificate for {@code localhost} and {@code 127.0.0.1} ({@code server.pem},
 * {@code server-key.pem}), and a client certificate ({@code client.pem}, {@code client-key.pem}),
 * all in {@code dir}.
 */
public record TestCertificates(CertificateAuthority ca, Path dir) {
    public static TestCertificates create(Path dir) {
        CertificateAuthority ca = CertificateAuthority.create("baton test ca", Duration.ofDays(1));
        ca.write(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
        ca.issue("server", List.of("localhost", "127.0.0.1"), Duration.ofDays(1)).write(dir.resolve("server.pem"), dir.resolve("server-key.pem"));
        ca.issue("client", List.of(), Duration.ofDays(1)).write(dir.resolve("client.pem"), dir.resolve("client-key.pem"));
        return new TestCertificates(ca, dir);
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    public Path serverCertificate() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server-key.pem");
    }

    public Path clientCertificate() {
        return dir.resolve("client.pem");
    }

    public Path clientKey() {
        return dir.resolve("client-key.pem");
    }

    /** What a server presents; requiring client certificates from this CA when {@code mutual}. */
    public TlsCredentials server(boolean mutual) {
        return TlsCredentials.load(serverCertificate(), serverKey(), caFile(), mutual);
    }

    /** What a client with the client certificate presents and trusts. */
    public TlsCredentials client() {
        return TlsCredentials.load(clientCertificate(), clientKey(), caFile(), false);
    }
}
