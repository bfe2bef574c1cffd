package io.baton.broker.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Counts and times every gRPC call by method and status code. */
public final class GrpcMetricsInterceptor implements ServerInterceptor {
    private final MeterRegistry registry;
    /**
     * The timers by method and status, so a call looks its timer up instead of building a meter id
     * (tags sorted, a builder allocated) and asking the registry each time.
     */
    private final Map<String, Map<Status.Code, Timer>> timers = new ConcurrentHashMap<>();

    public GrpcMetricsInterceptor(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long t0 = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                timer(method, status.getCode()).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }

    private Timer timer(String method, Status.Code code) {
        return timers.computeIfAbsent(method, m -> new ConcurrentHashMap<>()).computeIfAbsent(code,
                c -> Timer.builder("baton.grpc.requests").tag("method", method).tag("status", c.name()).register(registry));
    }
}
