package io.baton.gateway.testing;

import io.baton.broker.testing.LocalBroker;
import io.baton.gateway.Gateway;
import io.baton.gateway.GatewayConfig;
import io.baton.gateway.auth.Authenticator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real standalone for HTTP tests: embedded ZooKeeper, a broker with durable logs in a temp
 * directory, and the gateway on a free port, all in this JVM. One instance is shared by every test
 * class of the run (JUnit's root store closes it, and deletes its directory, at the end).
 *
 * <p>Use with {@code @ExtendWith(Standalone.Shared.class)} and a {@code Standalone} parameter.
 */
public final class Standalone implements AutoCloseable {
    private final LocalBroker broker;
    private final Gateway gateway;
    private final PrometheusMeterRegistry registry;
    /** Null over plain HTTP; else an HTTPS client trusting the gateway's CA. */
    private final java.net.http.HttpClient https;

    private Standalone(LocalBroker broker, Gateway gateway, PrometheusMeterRegistry registry, java.net.http.HttpClient https) {
        this.broker = broker;
        this.gateway = gateway;
        this.registry = registry;
        this.https = https;
    }

    /**
     * The complete secure setup, over TCP: the broker serves gRPC over TLS and requires client
     * certificates and tokens; the gateway serves HTTPS, checks users' tokens, and calls the broker
     * over mutual TLS with its service token. Clients of {@link #client} speak HTTPS trusting
     * {@code certs}' CA.
     */
    public static Standalone startSecure(io.baton.auth.Credentials users, io.baton.broker.testing.TestCertificates certs)
            throws Exception {
        String service = "gateway-service-" + java.util.UUID.randomUUID();
        io.baton.auth.Credentials brokerTokens = io.baton.auth.Credentials.either(
                io.baton.auth.Credentials.fixed(service, java.util.Set.of(io.baton.auth.Credentials.ANY_PROJECT)), users);
        LocalBroker broker = LocalBroker.start(b -> b.credentials(brokerTokens).serviceToken(service).tls(certs.server(true)));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            io.baton.api.tls.TlsCredentials gatewayTls = certs.server(false);
            Gateway gateway = Gateway.start(GatewayConfig.builder().port(0).brokers(List.of(broker.address()))
                    .auth(new io.baton.gateway.auth.TokenAuthenticator(users)).serviceToken(service).registry(registry).ioThreads(2)
                    .https(gatewayTls).brokerTls(gatewayTls).build());
            javax.net.ssl.SSLContext trust = javax.net.ssl.SSLContext.getInstance("TLS");
            trust.init(null, new javax.net.ssl.TrustManager[] {io.baton.api.tls.TlsCredentials.trusting(certs.caFile()).trust()}, null);
            return new Standalone(broker, gateway, registry, java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).sslContext(trust).connectTimeout(java.time.Duration.ofSeconds(5)).build());
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    public static Standalone start(Authenticator auth) throws Exception {
        return start(auth, b -> b);
    }

    /**
     * A standalone with authentication on every port, as {@code baton standalone --auth tokens}
     * runs: users' tokens from {@code users}, and the gateway calling the broker (in process) with a
     * service token of its own that the broker grants every project.
     */
    public static Standalone start(io.baton.auth.Credentials users) throws Exception {
        String service = "gateway-service-" + java.util.UUID.randomUUID();
        io.baton.auth.Credentials broker = io.baton.auth.Credentials.either(
                io.baton.auth.Credentials.fixed(service, java.util.Set.of(io.baton.auth.Credentials.ANY_PROJECT)), users);
        return start(new io.baton.gateway.auth.TokenAuthenticator(users), b -> b.credentials(broker), service);
    }

    /** A standalone without authentication whose gateway is configured by {@code gatewayTweak} (HTTP limits, say). */
    public static Standalone withGateway(java.util.function.UnaryOperator<GatewayConfig.Builder> gatewayTweak) throws Exception {
        LocalBroker broker = LocalBroker.start();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            Gateway gateway = Gateway.start(gatewayTweak.apply(GatewayConfig.builder().port(0).brokers(List.of(broker.address()))
                    .registry(registry).ioThreads(2).inProcessWhenLocal(true)).build());
            return new Standalone(broker, gateway, registry, null);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    /** A standalone whose broker is configured by {@code tweak} (limits, budgets). */
    public static Standalone start(Authenticator auth, java.util.function.UnaryOperator<io.baton.broker.BrokerConfig.Builder> tweak)
            throws Exception {
        return start(auth, tweak, null);
    }

    private static Standalone start(Authenticator auth, java.util.function.UnaryOperator<io.baton.broker.BrokerConfig.Builder> tweak,
                                    String serviceToken) throws Exception {
        LocalBroker broker = LocalBroker.start(tweak);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            Gateway gateway = Gateway.start(GatewayConfig.builder().port(0).brokers(List.of(broker.address()))
                    .auth(auth).serviceToken(serviceToken).registry(registry).ioThreads(2).inProcessWhenLocal(true).build());
            return new Standalone(broker, gateway, registry, null);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    public String baseUrl() {
        return (https == null ? "http" : "https") + "://127.0.0.1:" + gateway.port();
    }

    /** What the gateway's readiness check (its metrics port's /health) reports; empty when ready. */
    public List<String> gatewayProblems() {
        return gateway.problems();
    }

    public int port() {
        return gateway.port();
    }

    public LocalBroker broker() {
        return broker;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public V1Client client(String project) {
        return https == null ? new V1Client(baseUrl(), project) : new V1Client(baseUrl(), project, https);
    }

    @Override
    public void close() throws Exception {
        gateway.close();
        broker.close();
    }

    /** Clients for a gateway started by the test itself. */
    public record Remote(String baseUrl) {
        public V1Client client(String project) {
            return new V1Client(baseUrl, project);
        }
    }

    /** Resolves a {@link Standalone} parameter to the run's shared instance (auth off). */
    public static final class Shared implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
            return p.getParameter().getType() == Standalone.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext c) {
            return c.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent("baton-standalone", k -> {
                        try {
                            return new Closing(Standalone.start(Authenticator.none()));
                        } catch (Exception e) {
                            throw new IllegalStateException("standalone did not start", e);
                        }
                    }, Closing.class).standalone;
        }
    }

    private record Closing(Standalone standalone) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            standalone.close();
        }
    }
}
