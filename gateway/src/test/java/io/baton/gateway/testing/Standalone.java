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

    private Standalone(LocalBroker broker, Gateway gateway, PrometheusMeterRegistry registry) {
        this.broker = broker;
        this.gateway = gateway;
        this.registry = registry;
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
            return new Standalone(broker, gateway, registry);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + gateway.port();
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
        return new V1Client(baseUrl(), project);
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
