package io.baton.gateway;

import io.baton.gateway.auth.Authenticator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** Immutable gateway options, validated by {@link Builder#build()}. */
public record GatewayConfig(String host, int port, List<String> brokers, Authenticator auth, MeterRegistry registry,
        Duration callTimeout, int ioThreads, boolean inProcessWhenLocal, String serviceToken,
        io.baton.api.tls.TlsCredentials https, io.baton.api.tls.TlsCredentials brokerTls,
        io.baton.gateway.http.HttpLimits httpLimits) {

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8888;
        private List<String> brokers = List.of();
        private Authenticator auth = Authenticator.none();
        private MeterRegistry registry;
        private Duration callTimeout = Duration.ofSeconds(10);
        private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private boolean inProcessWhenLocal;
        private String serviceToken;
        private io.baton.api.tls.TlsCredentials https;
        private io.baton.api.tls.TlsCredentials brokerTls;
        private io.baton.gateway.http.HttpLimits httpLimits = io.baton.gateway.http.HttpLimits.DEFAULT;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The HTTP port; 0 picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Broker addresses ({@code host:port}) to learn the cluster map from. */
        public Builder brokers(List<String> brokers) {
            this.brokers = List.copyOf(brokers);
            return this;
        }

        public Builder auth(Authenticator auth) {
            this.auth = Objects.requireNonNull(auth);
            return this;
        }

        /** Where per-route request metrics go (default: a private registry). */
        public Builder registry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** How long one request may wait on brokers, retries included, before a 503. */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Reach brokers in this JVM in-process (standalone) rather than over loopback TCP. */
        public Builder inProcessWhenLocal(boolean enabled) {
            this.inProcessWhenLocal = enabled;
            return this;
        }

        /**
         * The token the gateway calls brokers with: its service identity, which brokers must grant
         * every project ({@code *}); the gateway has checked each user's own token itself. Null,
         * the default: none (brokers without authentication).
         */
        public Builder serviceToken(String token) {
            this.serviceToken = token;
            return this;
        }

        /** Serve HTTPS with this identity (its certificate and key files re-read when they change). Null, the default: HTTP. */
        public Builder https(io.baton.api.tls.TlsCredentials v) {
            if (v != null && v.identity() == null) {
                throw new IllegalArgumentException("serving HTTPS needs a certificate and key");
            }
            https = v;
            return this;
        }

        /** Reach brokers over TLS with these credentials (trusted CAs; a client certificate if brokers require one). Null: plaintext. */
        public Builder brokerTls(io.baton.api.tls.TlsCredentials v) {
            brokerTls = v;
            return this;
        }

        /** Open connections at most, and how long one request may take to arrive (default: 10,000 and 30 s). */
        public Builder httpLimits(io.baton.gateway.http.HttpLimits v) {
            httpLimits = Objects.requireNonNull(v);
            return this;
        }

        public GatewayConfig build() {
            if (brokers.isEmpty()) {
                throw new IllegalArgumentException("at least one broker address is required");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535");
            }
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads must be at least 1");
            }
            if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
                throw new IllegalArgumentException("callTimeout must be positive");
            }
            return new GatewayConfig(host, port, brokers, auth, registry != null ? registry : new SimpleMeterRegistry(),
                    callTimeout, ioThreads, inProcessWhenLocal, serviceToken, https, brokerTls, httpLimits);
        }
    }
}
