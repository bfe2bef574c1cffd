package io.baton.api.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The brokers running in this JVM, by their advertised gRPC address. A broker also serves its API
 * on an in-process channel named {@link #channelName(String)}, and registers its unary methods
 * here; a client in the same JVM (the gateway of {@code baton standalone}) that routes to such an
 * address calls them through a {@link DirectChannel} (streams through the in-process channel)
 * instead of a loopback TCP connection: no sockets, no HTTP/2 framing, no protobuf encoding on
 * either side. Routing, errors and retries are unchanged; only the transport is.
 */
public final class InProcessBrokers {
    private static final Map<String, Map<String, ServerMethodDefinition<?, ?>>> LOCAL = new ConcurrentHashMap<>();

    private InProcessBrokers() {}

    public static String channelName(String address) {
        return "baton-broker/" + address;
    }

    /** Registers the broker at {@code address}: the unary methods of {@code services}, as given (interceptors included). */
    public static void register(String address, List<ServerServiceDefinition> services) {
        Map<String, ServerMethodDefinition<?, ?>> unary = new HashMap<>();
        for (ServerServiceDefinition s : services) {
            for (ServerMethodDefinition<?, ?> m : s.getMethods()) {
                if (m.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
                    unary.put(m.getMethodDescriptor().getFullMethodName(), m);
                }
            }
        }
        LOCAL.put(address, Map.copyOf(unary));
    }

    public static void unregister(String address) {
        LOCAL.remove(address);
    }

    public static boolean isLocal(String address) {
        return LOCAL.containsKey(address);
    }

    /** The unary methods of the broker at {@code address} by full name; empty if none is registered there. */
    public static Map<String, ServerMethodDefinition<?, ?>> unaryMethods(String address) {
        return LOCAL.getOrDefault(address, Map.of());
    }
}
