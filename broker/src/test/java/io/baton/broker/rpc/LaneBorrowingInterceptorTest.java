package io.baton.broker.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.broker.runtime.SlotLane;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LaneBorrowingInterceptorTest {
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    /** Records, inside the handler, whether its thread may borrow a slot lane. */
    private static final class Probe extends ClusterServiceGrpc.ClusterServiceImplBase {
        final AtomicReference<Boolean> mayBorrow = new AtomicReference<>();
        final AtomicReference<Thread> thread = new AtomicReference<>();

        @Override
        public void getClusterMap(GetClusterMapRequest request, StreamObserver<ClusterMap> response) {
            boolean allowed = SlotLane.allowBorrowing(false);
            SlotLane.allowBorrowing(allowed);
            mayBorrow.set(allowed);
            thread.set(Thread.currentThread());
            response.onNext(ClusterMap.getDefaultInstance());
            response.onCompleted();
        }
    }

    private Probe serve(boolean intercepted) throws Exception {
        Probe probe = new Probe();
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder b = InProcessServerBuilder.forName(name).addService(probe).directExecutor();
        if (intercepted) {
            b.intercept(new LaneBorrowingInterceptor());
        }
        server = b.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return probe;
    }

    @Test
    void anInProcessCallMayBorrowOnTheCallersThreadAndOnlyWhileItsHandlerRuns() throws Exception {
        Probe probe = serve(true);
        ClusterServiceGrpc.newBlockingStub(channel).getClusterMap(GetClusterMapRequest.getDefaultInstance());
        assertThat(probe.mayBorrow.get()).isTrue();
        assertThat(probe.thread.get()).isSameAs(Thread.currentThread());
        assertThat(SlotLane.allowBorrowing(false)).isFalse(); // restored after the call
    }

    @Test
    void withoutTheInterceptorAHandlerMayNotBorrow() throws Exception {
        Probe probe = serve(false);
        ClusterServiceGrpc.newBlockingStub(channel).getClusterMap(GetClusterMapRequest.getDefaultInstance());
        assertThat(probe.mayBorrow.get()).isFalse();
    }
}
