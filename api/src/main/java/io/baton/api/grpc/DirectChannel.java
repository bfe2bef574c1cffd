package io.baton.api.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A channel to a broker in this JVM that runs unary calls by handing the request object straight
 * to the broker's method handler (its interceptors included) and the reply straight back: no
 * transport streams, no per-call context, no serialization. Every other kind of call (the worker
 * streams) goes to {@code streams}, the broker's in-process gRPC channel.
 *
 * <p>What a caller sees is what gRPC gives it: the same {@link ClientCall} protocol, the same
 * status and trailers on errors (the broker's error detail rides in the trailers), and
 * DEADLINE_EXCEEDED when the call's deadline passes first. Why: gRPC's in-process transport is
 * plumbing between two objects in one JVM, and it was a large share of the standalone's CPU per
 * REST request (docs/BENCHMARKS.md, "Direct calls from the gateway").
 *
 * <p>Threads: the handler runs on the thread that half-closes the call (the gateway's event loop);
 * the reply is delivered on the thread that closes the server side (a slot lane's or the log
 * flusher's), as the in-process channel with a direct executor did. Exactly one close reaches the
 * caller: whichever of the reply, a cancel or the deadline comes first.
 */
public final class DirectChannel extends ManagedChannel {
    private static final Logger log = Logger.getLogger(DirectChannel.class.getName());

    private final String address;
    private final ManagedChannel streams;
    private final ScheduledExecutorService deadlines;

    /**
     * @param address   the broker's advertised address ({@link InProcessBrokers})
     * @param streams   the broker's in-process channel, for every other call; shut down with this channel
     * @param deadlines runs deadline expiry; owned by the caller
     */
    public DirectChannel(String address, ManagedChannel streams, ScheduledExecutorService deadlines) {
        this.address = address;
        this.streams = streams;
        this.deadlines = deadlines;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        // Looked up per call: a broker that closed (and maybe a new one at the same address) is
        // seen at once; with none registered, the in-process channel answers (UNAVAILABLE).
        ServerMethodDefinition<Q, R> def = (ServerMethodDefinition<Q, R>) InProcessBrokers.unaryMethods(address)
                .get(method.getFullMethodName());
        if (def == null || method.getType() != MethodDescriptor.MethodType.UNARY) {
            return streams.newCall(method, options);
        }
        return new UnaryCall<>(def, options.getDeadline(), options.getExecutor());
    }

    @Override
    public String authority() {
        return streams.authority();
    }

    @Override
    public ManagedChannel shutdown() {
        streams.shutdown();
        return this;
    }

    @Override
    public boolean isShutdown() {
        return streams.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return streams.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
        streams.shutdownNow();
        return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return streams.awaitTermination(timeout, unit);
    }

    /** One unary call: the client half and, once the request is complete, the server half. */
    private final class UnaryCall<Q, R> extends ClientCall<Q, R> {
        private final ServerMethodDefinition<Q, R> def;
        private final Deadline deadline;
        /** The call's executor if it has one (blocking stubs wait on theirs); else callbacks run on the closing thread. */
        private final Executor executor;
        private final AtomicBoolean closed = new AtomicBoolean();
        private Listener<R> listener;
        private Metadata headers;
        private Q request;
        private volatile ServerCall.Listener<Q> serverListener;
        private volatile ScheduledFuture<?> expiry;

        UnaryCall(ServerMethodDefinition<Q, R> def, Deadline deadline, Executor executor) {
            this.def = def;
            this.deadline = deadline;
            this.executor = executor;
        }

        @Override
        public void start(Listener<R> responseListener, Metadata requestHeaders) {
            this.listener = responseListener;
            this.headers = requestHeaders;
        }

        @Override
        public void request(int numMessages) {
            // Unary: the one reply is delivered when it comes.
        }

        @Override
        public void sendMessage(Q message) {
            if (request != null) {
                throw new IllegalStateException("a unary call takes one request");
            }
            request = message;
        }

        @Override
        public void halfClose() {
            if (listener == null) {
                throw new IllegalStateException("call not started");
            }
            if (request == null) {
                finish(Status.INTERNAL.withDescription("a unary call needs a request"), new Metadata(), null);
                return;
            }
            if (deadline != null) {
                long nanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
                if (nanos <= 0) {
                    finish(Status.DEADLINE_EXCEEDED.withDescription("deadline passed before the call started"), new Metadata(), null);
                    return;
                }
                expiry = deadlines.schedule(() -> expire(nanos), nanos, TimeUnit.NANOSECONDS);
            }
            try {
                ServerCall.Listener<Q> l = def.getServerCallHandler().startCall(new Server(), headers);
                serverListener = l;
                l.onReady();
                l.onMessage(request);
                l.onHalfClose();
            } catch (RuntimeException | Error e) {
                // As gRPC's server does: the handler's failure is UNKNOWN to the caller, and logged here.
                log.log(Level.WARNING, "direct call " + def.getMethodDescriptor().getFullMethodName() + " failed", e);
                finish(Status.UNKNOWN.withDescription("Application error processing RPC"), new Metadata(), null);
            }
        }

        @Override
        public void cancel(String message, Throwable cause) {
            Status s = Status.CANCELLED;
            if (message != null) {
                s = s.withDescription(message);
            }
            if (cause != null) {
                s = s.withCause(cause);
            }
            abandon(s);
        }

        private void expire(long nanos) {
            abandon(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after " + nanos + " ns (direct call)"));
        }

        /** The caller stops waiting: it gets {@code status}, and the handler hears it was cancelled. */
        private void abandon(Status status) {
            if (finish(status, new Metadata(), null)) {
                ServerCall.Listener<Q> l = serverListener;
                if (l != null) {
                    l.onCancel();
                }
            }
        }

        /** Delivers the outcome once; false if the call was already closed. */
        private boolean finish(Status status, Metadata trailers, R reply) {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            ScheduledFuture<?> e = expiry;
            if (e != null) {
                e.cancel(false);
            }
            if (executor == null) {
                deliver(status, trailers, reply);
            } else {
                executor.execute(() -> deliver(status, trailers, reply));
            }
            return true;
        }

        private void deliver(Status status, Metadata trailers, R reply) {
            try {
                if (status.isOk()) {
                    listener.onHeaders(new Metadata());
                    listener.onMessage(reply);
                }
                listener.onClose(status, trailers);
            } catch (RuntimeException ex) {
                log.log(Level.WARNING, "a direct call's listener failed", ex);
            }
        }

        @Override
        public boolean isReady() {
            return !closed.get();
        }

        /** The server half the handler sees; its close is the call's reply. */
        private final class Server extends ServerCall<Q, R> {
            private R reply;

            @Override
            public void request(int numMessages) {
                // The request is pushed by halfClose.
            }

            @Override
            public void sendHeaders(Metadata headers) {
                // Delivered with the reply.
            }

            @Override
            public void sendMessage(R message) {
                if (reply != null) {
                    throw new IllegalStateException("a unary call has one reply");
                }
                reply = message;
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (status.isOk() && reply == null) {
                    status = Status.INTERNAL.withDescription("no reply to a unary call");
                }
                finish(status, trailers, reply); // false: the caller gave up first, and hears nothing more
            }

            @Override
            public boolean isCancelled() {
                return closed.get();
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return def.getMethodDescriptor();
            }
        }
    }
}
