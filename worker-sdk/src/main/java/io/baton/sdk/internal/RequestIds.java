package io.baton.sdk.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids for publishes, which the broker remembers to answer a retried publish as a duplicate
 * instead of enqueueing it twice. An id must never repeat within a client id's window, across every
 * process posting under that client id (gateways share the REST caller's Client-ID).
 *
 * <p>Each id is this JVM's 64-bit random prefix and a counter: distinct within the JVM by
 * construction, and across JVMs unless two prefixes collide (2^-64 per pair). A random UUID per
 * request drew 16 bytes from the JDK's locked SecureRandom on the request path (about 1% of the
 * broker's CPU under REST POST load), and two of them could in principle collide.
 */
public final class RequestIds {
    private static final long PREFIX = new SecureRandom().nextLong();
    private static final AtomicLong COUNTER = new AtomicLong();

    private RequestIds() {}

    public static String next() {
        return new UUID(PREFIX, COUNTER.incrementAndGet()).toString();
    }
}
