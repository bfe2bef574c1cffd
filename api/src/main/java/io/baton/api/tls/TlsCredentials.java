package io.baton.api.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * What one process presents and trusts on TLS connections, from PEM files re-read when they change:
 * its own identity (certificate chain and key: required to serve TLS, and presented as a client
 * certificate when it has one), the certificate authorities it trusts (its peers' servers, and
 * clients' certificates when it requires them; none named: the JDK's default CAs), and whether its
 * servers require a client certificate.
 *
 * <p>Load once per process and share: every connection then follows the same files.
 */
public final class TlsCredentials {
    private final ReloadingKeyManager identity;
    private final ReloadingTrustManager trust;
    private final boolean requireClientCertificates;
    private SslContext clientContext;

    private TlsCredentials(ReloadingKeyManager identity, ReloadingTrustManager trust, boolean requireClientCertificates) {
        this.identity = identity;
        this.trust = trust;
        this.requireClientCertificates = requireClientCertificates;
    }

    /**
     * Reads the files now; a client may have no identity ({@code certificate} and {@code key} both
     * null) and a server that requires client certificates must name the CAs it trusts.
     *
     * @throws java.io.UncheckedIOException if a named file is missing or invalid
     */
    public static TlsCredentials load(Path certificate, Path key, Path trustedCas, boolean requireClientCertificates) {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("a TLS certificate needs its key, and a key its certificate");
        }
        if (requireClientCertificates && trustedCas == null) {
            throw new IllegalArgumentException("requiring client certificates needs the CA file that issues them");
        }
        return new TlsCredentials(certificate == null ? null : ReloadingKeyManager.load(certificate, key),
                trustedCas == null ? null : ReloadingTrustManager.load(trustedCas), requireClientCertificates);
    }

    /** A client that trusts {@code trustedCas} (null: the JDK's default CAs) and presents no certificate. */
    public static TlsCredentials trusting(Path trustedCas) {
        return load(null, null, trustedCas, false);
    }

    /** The process's own certificate and key, or null for a client without one. */
    public ReloadingKeyManager identity() {
        return identity;
    }

    /** The CAs named for this process, or null for the JDK's default ones. */
    public ReloadingTrustManager trust() {
        return trust;
    }

    public boolean requiresClientCertificates() {
        return requireClientCertificates;
    }

    /**
     * For a gRPC server ({@code NettyServerBuilder.sslContext}): this identity, and client
     * certificates checked against the trusted CAs when required.
     */
    public SslContext grpcServerContext() {
        if (identity == null) {
            throw new IllegalStateException("serving TLS needs a certificate and key");
        }
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(identity));
        if (requireClientCertificates) {
            b.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
        }
        return build(b);
    }

    /**
     * For a gRPC channel: servers checked against the trusted CAs (and their host names); this
     * identity presented. One per process: every channel shares its OpenSSL context.
     */
    public synchronized SslContext grpcClientContext() {
        if (clientContext == null) {
            clientContext = newClientContext();
        }
        return clientContext;
    }

    private SslContext newClientContext() {
        SslContextBuilder b = GrpcSslContexts.forClient();
        if (trust != null) {
            b.trustManager(trust);
        }
        if (identity != null) {
            b.keyManager(identity);
        }
        return build(b);
    }

    private static SslContext build(SslContextBuilder b) {
        try {
            return new NativeModeSslContext(b.build());
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** A channel builder for {@code target}: over TLS as {@code tls} says, or plaintext when it is null. */
    public static NettyChannelBuilder channelBuilder(String target, TlsCredentials tls) {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(target);
        return tls == null ? b.usePlaintext() : b.sslContext(tls.grpcClientContext());
    }
}
