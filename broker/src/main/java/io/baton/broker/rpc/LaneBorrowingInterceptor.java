package io.baton.broker.rpc;

import io.baton.broker.runtime.SlotLane;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Lets the thread delivering a gRPC request run its slot command itself when the slot's lane is
 * idle ({@link SlotLane}), for the length of each callback into the service. Services run on the
 * transport's threads (direct executor; in process, the caller's own thread), which no storage
 * operation ever waits for, so borrowing there cannot deadlock.
 */
public final class LaneBorrowingInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener;
        boolean previous = SlotLane.allowBorrowing(true);
        try {
            listener = next.startCall(call, headers);
        } finally {
            SlotLane.allowBorrowing(previous);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                boolean p = SlotLane.allowBorrowing(true);
                try {
                    super.onMessage(message);
                } finally {
                    SlotLane.allowBorrowing(p);
                }
            }

            @Override
            public void onHalfClose() {
                boolean p = SlotLane.allowBorrowing(true);
                try {
                    super.onHalfClose();
                } finally {
                    SlotLane.allowBorrowing(p);
                }
            }

            @Override
            public void onReady() {
                boolean p = SlotLane.allowBorrowing(true);
                try {
                    super.onReady();
                } finally {
                    SlotLane.allowBorrowing(p);
                }
            }
        };
    }
}
