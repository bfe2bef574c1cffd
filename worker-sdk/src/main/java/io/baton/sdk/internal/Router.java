package io.baton.sdk.internal;

import io.baton.api.grpc.BatonErrors;
import io.baton.api.grpc.DirectChannel;
import io.baton.api.ErrorCode;
import io.baton.api.grpc.InProcessBrokers;
import io.baton.api.SlotHash;
import io.baton.api.tls.TlsCredentials;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.ErrorDetail;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.api.v1.SlotOwner;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Routes calls to the broker that owns a queue's slot. It caches the cluster map (fetched from
 * any broker it knows), keeps one channel per broker address, and runs each call with retries:
 * NOT_OWNER refreshes the map and goes to the owner the error names; UNAVAILABLE backs off and
 * tries again; anything else is the caller's answer. All within the call's deadline.
 *
 * <p>Calls are asynchronous: an attempt returns a future, and a retry is scheduled, never slept
 * for, so a caller on an event loop (the HTTP gateway) is never blocked. Only fetching the map
 * blocks, and it runs on the router's own thread.
 *
 * <p>Thread-safe; the map is replaced wholesale, never mutated.
 */
public final class Router implements AutoCloseable {
    /** One attempt against one broker's channel, to finish by {@code deadlineNanos}. */
    public interface Attempt<T> {
        ListenableFuture<T> start(Channel channel, long deadlineNanos);
    }

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

    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("baton-sdk-router"));
    private volatile boolean closed;
    private final List<String> seeds;
    private final Duration callTimeout;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** The channels as calls use them: with the client's token attached, if it has one. */
    private final Map<String, Channel> views = new ConcurrentHashMap<>();
    /** Attaches the client's token to every call; null: the client sends none. */
    private final ClientInterceptor auth;
    private final TlsCredentials tls;
    private volatile ClusterMap map;
    private volatile Map<String, String> addressById = Map.of();

    private final boolean inProcessWhenLocal;
    /**
     * Deadlines of direct calls to brokers in this JVM; created with the first such channel, under
     * its own lock: channel() runs inside the channel map's computeIfAbsent, and refresh() holds
     * this router's monitor while it calls channel(), so taking that monitor there could deadlock.
     */
    private ScheduledThreadPoolExecutor directDeadlines;
    private final Object directDeadlinesLock = new Object();

    /** {@code tls}: how brokers are reached over TLS; null: plaintext. */
    public Router(List<String> seeds, Duration callTimeout, boolean inProcessWhenLocal, String token,
                  TlsCredentials tls) {
        this.tls = tls;
        this.auth = token == null ? null : io.baton.api.grpc.BearerToken.attach(token);
        this.seeds = List.copyOf(seeds);
        this.callTimeout = callTimeout;
        this.inProcessWhenLocal = inProcessWhenLocal;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** The channel to {@code address}, with the client's token attached to every call. */
    public Channel channel(String address) {
        return views.computeIfAbsent(address, a -> auth == null ? managed(a) : ClientInterceptors.intercept(managed(a), auth));
    }

    private ManagedChannel managed(String address) {
        // directExecutor: responses complete futures on the transport's event loop, saving a
        // thread hand-off per call (BatonClient documents that async callbacks must not block).
        // A broker in this JVM: its handlers directly for unary calls, its in-process server for streams.
        return channels.computeIfAbsent(address, a -> inProcessWhenLocal && InProcessBrokers.isLocal(a)
                ? new DirectChannel(a, InProcessChannelBuilder.forName(InProcessBrokers.channelName(a)).directExecutor().build(),
                        directDeadlines())
                : TlsCredentials.channelBuilder(a, tls).maxInboundMessageSize(8 << 20).directExecutor().build());
    }

    private ScheduledExecutorService directDeadlines() {
        synchronized (directDeadlinesLock) {
            if (directDeadlines == null) {
                directDeadlines = new ScheduledThreadPoolExecutor(1, io.baton.api.DaemonThreads.named("baton-sdk-deadlines"));
                // Nearly every deadline is cancelled by its reply: drop those at once, not at expiry.
                directDeadlines.setRemoveOnCancelPolicy(true);
            }
            return directDeadlines;
        }
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

    /** The channel to the broker that owns the queue's slot (fetching the cluster map if needed; may block). */
    public Channel channelFor(String project, String queue, long deadlineNanos) {
        return channel(addressFor(slotOf(project, queue, deadlineNanos), deadlineNanos));
    }

    /** Runs {@code attempt} against the owner of the queue's slot, retrying as the class comment says. */
    public <T> CompletableFuture<T> call(String project, String queue, long deadlineNanos, Attempt<T> attempt) {
        CompletableFuture<T> result = new CompletableFuture<>();
        ClusterMap m = map;
        if (m != null) {
            int slot = SlotHash.slotOf(project, queue, m.getSlotCount());
            attempt(addressFor(slot, deadlineNanos), slot, deadlineNanos, INITIAL_BACKOFF_MILLIS, attempt, result);
        } else {
            retries.execute(() -> {
                try {
                    int slot = slotOf(project, queue, deadlineNanos);
                    attempt(addressFor(slot, deadlineNanos), slot, deadlineNanos, INITIAL_BACKOFF_MILLIS, attempt, result);
                } catch (CallFailed e) {
                    result.completeExceptionally(e);
                }
            });
        }
        return result;
    }

    /** Runs {@code attempt} against one broker, retrying UNAVAILABLE there until the deadline. */
    public <T> CompletableFuture<T> callAt(String address, long deadlineNanos, Attempt<T> attempt) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(address, -1, deadlineNanos, INITIAL_BACKOFF_MILLIS, attempt, result);
        return result;
    }

    /** {@link #refresh} on the router's thread. */
    public CompletableFuture<ClusterMap> refreshAsync(long deadlineNanos) {
        return CompletableFuture.supplyAsync(() -> refresh(deadlineNanos), retries);
    }

    /** Distinct owner addresses, fetched off the caller's thread when the map is not known yet. */
    public CompletableFuture<Collection<String>> ownerAddressesAsync(long deadlineNanos) {
        if (map != null) {
            return CompletableFuture.completedFuture(ownerAddresses(deadlineNanos));
        }
        return CompletableFuture.supplyAsync(() -> ownerAddresses(deadlineNanos), retries);
    }

    private static final long INITIAL_BACKOFF_MILLIS = 20;

    private <T> void attempt(String address, int slot, long deadlineNanos, long backoffMillis, Attempt<T> attempt,
            CompletableFuture<T> result) {
        ListenableFuture<T> f;
        try {
            f = attempt.start(channel(address), deadlineNanos);
        } catch (RuntimeException e) {
            result.completeExceptionally(new CallFailed(BatonErrors.detailOf(e), e));
            return;
        }
        Futures.addCallback(f, new FutureCallback<T>() {
            @Override
            public void onSuccess(T value) {
                result.complete(value);
            }

            @Override
            public void onFailure(Throwable t) {
                ErrorDetail detail = BatonErrors.detailOf(t);
                ErrorCode code = ErrorCode.byName(detail.getCode());
                boolean retriable = t instanceof StatusRuntimeException
                        && (code == ErrorCode.UNAVAILABLE || (code == ErrorCode.NOT_OWNER && slot >= 0));
                if (!retriable || remaining(deadlineNanos) <= backoffMillis * 1_000_000L || closed) {
                    result.completeExceptionally(new CallFailed(detail, t));
                    return;
                }
                try {
                    if (code == ErrorCode.NOT_OWNER && !detail.getOwnerAddress().isEmpty()) {
                        // The error names the new owner: go there now, and refresh the map on the way.
                        String owner = detail.getOwnerAddress();
                        retries.execute(() -> {
                            tryRefresh(deadlineNanos);
                            attempt(owner, slot, deadlineNanos, backoffMillis, attempt, result);
                        });
                        return;
                    }
                    retries.schedule(() -> {
                        String next = address;
                        if (slot >= 0) {
                            tryRefresh(deadlineNanos);
                            next = addressFor(slot, deadlineNanos);
                        }
                        attempt(next, slot, deadlineNanos, Math.min(1000, backoffMillis * 2), attempt, result);
                    }, backoffMillis, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    result.completeExceptionally(new CallFailed(detail, t));
                }
            }
        }, MoreExecutors.directExecutor());
    }

    private void tryRefresh(long deadlineNanos) {
        try {
            refresh(deadlineNanos);
        } catch (CallFailed e) {
            // keep the old map; the next attempt will tell
        }
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        synchronized (directDeadlinesLock) {
            if (directDeadlines != null) {
                directDeadlines.shutdownNow();
            }
        }
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
