package io.baton.gateway.http;

import java.time.Duration;

/**
 * The HTTP server's bounds against slow and greedy clients: open connections, and how long one
 * request may take to arrive (head and body) from its first byte.
 */
public record HttpLimits(int maxConnections, Duration requestDeadline) {
    public static final HttpLimits DEFAULT = new HttpLimits(10_000, Duration.ofSeconds(30));

    public HttpLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1");
        }
        if (requestDeadline.isNegative() || requestDeadline.isZero()) {
            throw new IllegalArgumentException("requestDeadline must be positive");
        }
    }
}
