package io.baton.sdk.internal;

import io.baton.api.BatonErrors;
import io.baton.api.ErrorCode;
import io.baton.api.SlotHash;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.ErrorDetail;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.api.v1.SlotOwner;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Routes calls to the broker that owns a queue's slot. It caches the cluster map (fetched from
 * any broker it knows), keeps one channel per broker address, and runs each call with retries:
 * NOT_OWNER refreshes the map and goes to the owner the error names; UNAVAILABLE backs off and
 * tries again; anything else is the caller's answer. All within the call's deadline.
 *
 * <p>Thread-safe; the map is replaced wholesale, never mutated.
 */
public final class Router implements AutoCloseable {
    /** The result of one attempt, or the reason to try again. */
    public interface Attempt<T> extends Function<ManagedChannel, T> {}

    public static final class CallFailed extends RuntimeException {
        private final ErrorDetail detail;

        CallFailed(ErrorDetail detail, Throwable cause) {
            super(detail.getMessage(), cause);
            this.detail = detail;
        }

        public ErrorDetail detail() {
            return detail;
        }
    }

    private final List<String> seeds;
    private final Duration callTimeout;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile ClusterMap map;
    private volatile Map<String, String> addressById = Map.of();

    public Router(List<String> seeds, Duration callTimeout) {
        this.seeds = List.copyOf(seeds);
        this.callTimeout = callTimeout;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    public ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a).usePlaintext()
                .maxInboundMessageSize(8 << 20).build());
    }

    /** The slot count of the cluster (fetching the map if needed). */
    public int slotCount(long deadlineNanos) {
        return map(deadlineNanos).getSlotCount();
    }

    public int slotOf(String project, String queue, long deadlineNanos) {
        return SlotHash.slotOf(project, queue, slotCount(deadlineNanos));
    }

    private ClusterMap map(long deadlineNanos) {
        ClusterMap m = map;
        if (m == null) {
            m = refresh(deadlineNanos);
        }
        return m;
    }

    /** Fetches a fresh cluster map from any known broker. */
    public synchronized ClusterMap refresh(long deadlineNanos) {
        Set<String> candidates = new LinkedHashSet<>(addressById.values());
        candidates.addAll(seeds);
        StatusRuntimeException last = null;
        for (String address : candidates) {
            try {
                ClusterMap m = ClusterServiceGrpc.newBlockingStub(channel(address))
                        .withDeadlineAfter(Math.max(1, Math.min(remaining(deadlineNanos), callTimeout.toNanos())), TimeUnit.NANOSECONDS)
                        .getClusterMap(GetClusterMapRequest.getDefaultInstance());
                Map<String, String> byId = new ConcurrentHashMap<>();
                for (BrokerInfo b : m.getBrokersList()) {
                    byId.put(b.getId(), b.getGrpcAddress());
                }
                addressById = byId;
                map = m;
                return m;
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw new CallFailed(BatonErrors.detailOf(last != null ? last
                : new IllegalStateException("no broker address to ask")), last);
    }

    /** Distinct addresses of the brokers that own slots (for calls every broker must answer). */
    public Collection<String> ownerAddresses(long deadlineNanos) {
        ClusterMap m = map(deadlineNanos);
        Set<String> out = new LinkedHashSet<>();
        for (SlotOwner s : m.getSlotsList()) {
            String a = addressById.get(s.getBrokerId());
            if (a != null) {
                out.add(a);
            }
        }
        if (out.isEmpty()) {
            out.addAll(seeds);
        }
        return new ArrayList<>(out);
    }

    private String addressFor(int slot, long deadlineNanos) {
        ClusterMap m = map(deadlineNanos);
        if (slot < m.getSlotsCount()) {
            String a = addressById.get(m.getSlots(slot).getBrokerId());
            if (a != null) {
                return a;
            }
        }
        return seeds.get(0);
    }

    public static long remaining(long deadlineNanos) {
        return deadlineNanos - System.nanoTime();
    }

    /** Runs {@code attempt} against the owner of {@code slot}, retrying as the class comment says. */
    public <T> T call(int slot, long deadlineNanos, Attempt<T> attempt) {
        return callAt(addressFor(slot, deadlineNanos), slot, deadlineNanos, attempt);
    }

    /** Runs {@code attempt} against one broker, retrying UNAVAILABLE there until the deadline. */
    public <T> T callAt(String address, long deadlineNanos, Attempt<T> attempt) {
        return callAt(address, -1, deadlineNanos, attempt);
    }

    private <T> T callAt(String first, int slot, long deadlineNanos, Attempt<T> attempt) {
        String address = first;
        long backoffMillis = 20;
        while (true) {
            try {
                return attempt.apply(channel(address));
            } catch (StatusRuntimeException e) {
                ErrorDetail detail = BatonErrors.detailOf(e);
                ErrorCode code = ErrorCode.byName(detail.getCode());
                if (code != ErrorCode.NOT_OWNER && code != ErrorCode.UNAVAILABLE) {
                    throw new CallFailed(detail, e);
                }
                if (remaining(deadlineNanos) <= backoffMillis * 1_000_000L) {
                    throw new CallFailed(detail, e);
                }
                if (code == ErrorCode.NOT_OWNER && slot < 0) {
                    throw new CallFailed(detail, e);
                }
                if (code == ErrorCode.NOT_OWNER && !detail.getOwnerAddress().isEmpty()) {
                    address = detail.getOwnerAddress();
                    tryRefresh(deadlineNanos);
                    continue;
                }
                sleep(backoffMillis);
                backoffMillis = Math.min(1000, backoffMillis * 2);
                if (slot >= 0) {
                    tryRefresh(deadlineNanos);
                    address = addressFor(slot, deadlineNanos);
                }
            }
        }
    }

    private void tryRefresh(long deadlineNanos) {
        try {
            refresh(deadlineNanos);
        } catch (CallFailed e) {
            // keep the old map; the next attempt will tell
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdown();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.shutdownNow();
            }
        }
    }
}
