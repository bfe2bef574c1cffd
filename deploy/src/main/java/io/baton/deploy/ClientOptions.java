package io.baton.deploy;

import io.baton.sdk.BatonClient;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How a command line client reaches brokers: {@code --token}, {@code --tls-ca} and, for brokers
 * that require client certificates, {@code --tls-cert}/{@code --tls-key}; each defaults to an
 * environment variable, so a shell set up once serves every command.
 */
final class ClientOptions {
    @Option(names = "--token", defaultValue = "${env:BATON_TOKEN}", description = "Token for brokers with "
            + "authentication on (default: the BATON_TOKEN environment variable).")
    String token;

    @Option(names = "--tls-ca", defaultValue = "${env:BATON_TLS_CA}", description = "Reach brokers over TLS, trusting the "
            + "CAs in this PEM file (default: the BATON_TLS_CA environment variable; unset: plaintext).")
    Path trustedCas;

    @Option(names = "--tls-cert", defaultValue = "${env:BATON_TLS_CERT}", description = "Client certificate (PEM) for brokers "
            + "that require one (default: the BATON_TLS_CERT environment variable).")
    Path certificate;

    @Option(names = "--tls-key", defaultValue = "${env:BATON_TLS_KEY}", description = "Key (PEM PKCS#8) of --tls-cert "
            + "(default: the BATON_TLS_KEY environment variable).")
    Path key;

    BatonClient.Builder applyTo(BatonClient.Builder b) {
        b.token(token);
        if (trustedCas != null) {
            b.trustCertificates(trustedCas);
        }
        if (certificate != null || key != null) {
            if (certificate == null || key == null) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            b.clientCertificate(certificate, key);
        }
        return b;
    }
}
