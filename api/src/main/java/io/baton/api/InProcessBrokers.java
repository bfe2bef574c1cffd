package io.baton.api;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The brokers running in this JVM, by their advertised gRPC address. A broker also serves its API
 * on an in-process channel named {@link #channelName(String)}; a client in the same JVM (the
 * gateway of {@code baton standalone}) that routes to such an address takes that channel instead
 * of a loopback TCP connection: no sockets, no HTTP/2 framing, no protobuf encoding on either side.
 * Routing, errors and retries are unchanged; only the transport is.
 */
public final class InProcessBrokers {
    private static final Set<String> LOCAL = ConcurrentHashMap.newKeySet();

    private InProcessBrokers() {}

    public static String channelName(String address) {
        return "baton-broker/" + address;
    }

    public static void register(String address) {
        LOCAL.add(address);
    }

    public static void unregister(String address) {
        LOCAL.remove(address);
    }

    public static boolean isLocal(String address) {
        return LOCAL.contains(address);
    }
}
