package io.baton.broker.rpc;

import io.baton.api.tls.TlsCredentials;
import io.baton.api.v1.AcceptMovedResponse;
import io.baton.api.v1.MoveServiceGrpc;
import io.baton.broker.slot.SlotCommand;
import io.grpc.ManagedChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends moved messages to the broker that serves their target queue: one channel per broker
 * address, kept while the broker runs. A call that fails (the target moved, is down or refuses)
 * fails its future; the mover tries again later.
 */
public final class MoveClient implements AutoCloseable {
    /** How long one hand-over may take before the mover tries again. */
    private static final long DEADLINE_SECONDS = 30;

    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** Sends the broker's service token, when it has one. */
    private final io.grpc.ClientInterceptor[] auth;
    private final TlsCredentials tls;

    /**
     * {@code serviceToken}: what this broker calls others with (they grant it every project); null:
     * none. {@code tls}: how it reaches them over TLS; null: plaintext.
     */
    private final Protos protos;

    public MoveClient(String serviceToken, TlsCredentials tls, Protos protos) {
        this.protos = protos;
        this.tls = tls;
        this.auth = serviceToken == null ? new io.grpc.ClientInterceptor[0]
                : new io.grpc.ClientInterceptor[] {io.baton.api.grpc.BearerToken.attach(serviceToken)};
    }

    public CompletableFuture<Integer> accept(String address, SlotCommand.AcceptMoved command) {
        CompletableFuture<Integer> out = new CompletableFuture<>();
        ManagedChannel channel = channels.computeIfAbsent(address,
                a -> TlsCredentials.channelBuilder(a, tls).maxInboundMessageSize(8 << 20).intercept(auth).build());
        MoveServiceGrpc.newStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .acceptMoved(MoveCodec.request(command, protos), new io.grpc.stub.StreamObserver<AcceptMovedResponse>() {
                    @Override
                    public void onNext(AcceptMovedResponse r) {
                        out.complete(r.getAccepted());
                    }

                    @Override
                    public void onError(Throwable t) {
                        out.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        out.complete(0);
                    }
                });
        return out;
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
