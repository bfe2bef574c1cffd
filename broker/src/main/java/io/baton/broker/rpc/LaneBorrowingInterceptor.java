package io.baton.broker.rpc;

import io.baton.broker.log.CommitBorrowing;
import io.baton.broker.runtime.SlotLane;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Lets the thread delivering a gRPC request run its slot command itself when the slot's lane is
 * idle ({@link SlotLane}), for the length of each callback into the service.
 *
 * <p>Installed on the broker's in-process server and on the methods it registers for
 * {@link io.baton.api.grpc.DirectChannel}: there a handler runs on the caller's own thread (the
 * standalone gateway's event loop), which no storage operation ever waits for, so borrowing
 * cannot deadlock. On the TCP server only over file logs, whose appends never wait for another
 * thread; over BookKeeper logs the TCP server's threads keep handing commands to the lane's thread
 * (docs/DESIGN.md, "Slot lanes", says why). On the TCP server's event loops, the group commit of
 * what a callback appended runs there too ({@link CommitBorrowing}).
 */
public final class LaneBorrowingInterceptor implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> listener = borrowing(() -> next.startCall(call, headers));
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                borrowing(() -> {
                    super.onMessage(message);
                    return null;
                });
            }

            @Override
            public void onHalfClose() {
                borrowing(() -> {
                    super.onHalfClose();
                    return null;
                });
            }

            @Override
            public void onReady() {
                borrowing(() -> {
                    super.onReady();
                    return null;
                });
            }
        };
    }

    /**
     * Runs {@code callback} with borrowing allowed on this thread, then restores the setting. On a
     * gRPC event loop its appends also queue their group commit on that loop
     * ({@link CommitBorrowing}); Netty's {@code ThreadExecutorMap} names the loop that runs this
     * thread (null on any other thread: the in-process callers, the gateway's own loops, keep
     * waking the flusher).
     */
    private static <T> T borrowing(Supplier<T> callback) {
        boolean previous = SlotLane.allowBorrowing(true);
        Executor loop = ThreadExecutorMap.currentExecutor();
        Executor previousCommits = loop == null ? null : CommitBorrowing.allow(loop);
        try {
            return callback.get();
        } finally {
            if (loop != null) {
                CommitBorrowing.allow(previousCommits);
            }
            SlotLane.allowBorrowing(previous);
        }
    }
}
