package io.baton.deploy;

import io.baton.api.tls.TlsCredentials;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --tls-cert FILE --tls-key FILE [--tls-ca FILE] [--tls-client-auth]}, shared by the
 * commands that run a broker or a gateway. One identity per process: a broker serves gRPC with it
 * and presents it when it calls other brokers; a gateway serves HTTPS with it and presents it to
 * brokers. The files are re-read when they change (docs/OPERATIONS.md, "Security").
 */
final class TlsOptions {
    @Option(names = "--tls-cert", description = "PEM certificate chain (leaf first) this process serves TLS with "
            + "(gRPC on a broker, HTTPS on a gateway) and presents as a client. Re-read when it changes.")
    Path certificate;

    @Option(names = "--tls-key", description = "PEM PKCS#8 private key of --tls-cert. Re-read when it changes.")
    Path key;

    @Option(names = "--tls-ca", description = "PEM file of the CAs trusted for TLS to brokers (a gateway reaches "
            + "brokers over TLS when it is set) and for client certificates (default for a broker: the JDK's CAs).")
    Path trustedCas;

    @Option(names = "--tls-client-auth", description = "On a broker: require every client (gateways, other brokers, "
            + "workers) to present a certificate issued by --tls-ca, in addition to its token.")
    boolean requireClientCertificates;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    /** This process's TLS credentials, or null for plaintext (no certificate and no CA named). */
    TlsCredentials credentials() {
        if (certificate == null && key == null && trustedCas == null) {
            if (requireClientCertificates) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-client-auth needs --tls-cert, --tls-key and --tls-ca");
            }
            return null;
        }
        if ((certificate == null) != (key == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        }
        if (requireClientCertificates && (trustedCas == null || certificate == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-client-auth needs --tls-cert, --tls-key and --tls-ca");
        }
        try {
            return TlsCredentials.load(certificate, key, trustedCas, requireClientCertificates);
        } catch (java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** What a broker serves with: needs its own certificate when any TLS option is set. */
    TlsCredentials forBroker() {
        TlsCredentials tls = credentials();
        if (tls != null && tls.identity() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a broker serves TLS with --tls-cert and --tls-key");
        }
        return tls;
    }
}
