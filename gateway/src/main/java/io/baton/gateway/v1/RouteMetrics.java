package io.baton.gateway.v1;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code baton_gateway_requests_seconds{method,route,status}}: a count and latency histogram per
 * route template (never the raw path, so label cardinality stays bounded) and status code.
 */
final class RouteMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    RouteMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String method, Route route, int status, long startNanos) {
        String routeLabel = route == null ? "unmatched" : route.template();
        String m = knownMethod(method);
        String key = m + ' ' + routeLabel + ' ' + status;
        Timer t = timers.computeIfAbsent(key, k -> Timer.builder("baton.gateway.requests")
                .description("HTTP requests answered by the v1 gateway, by route and status")
                .tag("method", m)
                .tag("route", routeLabel)
                .tag("status", Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
        t.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** Arbitrary method tokens from clients must not become label values. */
    private static String knownMethod(String m) {
        return switch (m) {
            case "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS" -> m;
            default -> "OTHER";
        };
    }
}
