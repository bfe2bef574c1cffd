package io.baton.api.tls;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * A gRPC transport's TLS context whose OpenSSL engines run in their native mode.
 *
 * <p>Why: gRPC's TLS negotiators take their engine from {@link SslContext#newEngine}, which for
 * OpenSSL returns an engine in "JDK compatibility mode": it decrypts exactly one TLS record per
 * {@code unwrap}, so Netty's SslHandler makes a native call per record and first parses each
 * record's length itself. A Work stream carries many small records (acks, outcomes, pushed jobs),
 * so that per-record work is a visible share of a broker's and a worker's event loop. The engine
 * that OpenSSL's own {@code newHandler} makes (native mode) decrypts every record it is given in
 * one call; the protocol, certificates and checks are the same. With the JDK's provider both
 * calls give the same kind of engine, so nothing changes there.
 *
 * <p>The engine is taken from a handler that is never added to a pipeline: it owns nothing but
 * the engine, which the negotiator's own SslHandler then releases with the connection.
 */
final class NativeModeSslContext extends SslContext {
    private final SslContext delegate;

    NativeModeSslContext(SslContext delegate) {
        this.delegate = delegate;
    }

    @Override
    public boolean isClient() {
        return delegate.isClient();
    }

    @Override
    public List<String> cipherSuites() {
        return delegate.cipherSuites();
    }

    @Override
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return delegate.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return delegate.newHandler(alloc).engine();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return delegate.newHandler(alloc, peerHost, peerPort).engine();
    }

    @Override
    public SSLSessionContext sessionContext() {
        return delegate.sessionContext();
    }
}
