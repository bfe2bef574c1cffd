package io.baton.api.grpc;

import io.baton.api.ErrorCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.ErrorDetail;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link DirectChannel}: a unary call to a broker in this JVM behaves as it would over gRPC. */
@Timeout(60) // a reply that never reaches a blocking stub would hang, not fail
class DirectChannelTest {
    private static final String ADDRESS = "127.0.0.1:direct-channel-test";

    /** What the test's cluster service does with the next call. */
    private final AtomicReference<StreamObserverAction> next = new AtomicReference<>();
    private final ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1);
    private Server streams;
    private ManagedChannel channel;

    private interface StreamObserverAction {
        void run(StreamObserver<ClusterMap> reply);
    }

    private final ClusterServiceGrpc.ClusterServiceImplBase cluster = new ClusterServiceGrpc.ClusterServiceImplBase() {
        @Override
        public void getClusterMap(GetClusterMapRequest request, StreamObserver<ClusterMap> reply) {
            next.get().run(reply);
        }
    };

    private final WorkServiceGrpc.WorkServiceImplBase work = new WorkServiceGrpc.WorkServiceImplBase() {
        @Override
        public StreamObserver<WorkRequest> work(StreamObserver<WorkEvent> events) {
            events.onNext(WorkEvent.getDefaultInstance());
            events.onCompleted();
            return new StreamObserver<>() {
                @Override
                public void onNext(WorkRequest value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
    };

    @BeforeEach
    void start() throws Exception {
        deadlines.setRemoveOnCancelPolicy(true); // as the SDK's router sets it
        streams = InProcessServerBuilder.forName(InProcessBrokers.channelName(ADDRESS)).addService(work).directExecutor().build().start();
        InProcessBrokers.register(ADDRESS, List.of(cluster.bindService(), work.bindService()));
        channel = new DirectChannel(ADDRESS, InProcessChannelBuilder.forName(InProcessBrokers.channelName(ADDRESS)).directExecutor().build(),
                deadlines);
    }

    @AfterEach
    void stop() throws Exception {
        InProcessBrokers.unregister(ADDRESS);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        streams.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        deadlines.shutdownNow();
    }

    private ClusterServiceGrpc.ClusterServiceBlockingStub stub() {
        return ClusterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    @Test
    void aUnaryCallRunsTheHandlerOnTheCallersThreadAndReturnsItsReply() {
        Thread caller = Thread.currentThread();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        next.set(reply -> {
            ranOn.set(Thread.currentThread());
            reply.onNext(ClusterMap.newBuilder().setSlotCount(7).build());
            reply.onCompleted();
        });

        assertThat(stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()).getSlotCount()).isEqualTo(7);
        assertThat(ranOn.get()).isSameAs(caller);
    }

    @Test
    void anErrorReachesTheCallerWithItsStatusAndTheBrokersDetailInTheTrailers() {
        next.set(reply -> reply.onError(BatonErrors.toStatus(
                ErrorDetail.newBuilder().setCode(ErrorCode.NOT_OWNER.name()).setMessage("moved").setOwnerAddress("10.0.0.9:7070").build())));

        assertThatThrownBy(() -> stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    ErrorDetail d = BatonErrors.detailOf(e);
                    assertThat(d.getCode()).isEqualTo("NOT_OWNER");
                    assertThat(d.getOwnerAddress()).isEqualTo("10.0.0.9:7070");
                });
    }

    @Test
    void aHandlerThatNeverAnswersEndsInDeadlineExceededAndHearsItWasCancelled() throws Exception {
        AtomicReference<StreamObserver<ClusterMap>> held = new AtomicReference<>();
        CountDownLatch cancelled = new CountDownLatch(1);
        next.set(reply -> {
            ((ServerCallStreamObserver<ClusterMap>) reply).setOnCancelHandler(cancelled::countDown);
            held.set(reply);
        });

        assertThatThrownBy(() -> ClusterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(100, TimeUnit.MILLISECONDS)
                .getClusterMap(GetClusterMapRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();

        // A reply after the caller gave up goes nowhere, and the channel serves the next call.
        held.get().onNext(ClusterMap.newBuilder().setSlotCount(1).build());
        held.get().onCompleted();
        next.set(reply -> {
            reply.onNext(ClusterMap.newBuilder().setSlotCount(2).build());
            reply.onCompleted();
        });
        assertThat(stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()).getSlotCount()).isEqualTo(2);
        assertThat(deadlines.getQueue()).as("a reply cancels its call's deadline").isEmpty();
    }

    @Test
    void aHandlerThatThrowsGivesUnknownAndTheChannelKeepsServing() {
        next.set(reply -> {
            throw new IllegalStateException("bug in a handler");
        });
        assertThatThrownBy(() -> stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));

        next.set(reply -> {
            reply.onNext(ClusterMap.newBuilder().setSlotCount(3).build());
            reply.onCompleted();
        });
        assertThat(stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()).getSlotCount()).isEqualTo(3);
    }

    @Test
    void streamingCallsGoThroughTheInProcessChannel() throws Exception {
        CompletableFuture<Integer> events = new CompletableFuture<>();
        int[] count = {0};
        WorkServiceGrpc.newStub(channel).work(new StreamObserver<>() {
            @Override
            public void onNext(WorkEvent value) {
                count[0]++;
            }

            @Override
            public void onError(Throwable t) {
                events.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                events.complete(count[0]);
            }
        });
        assertThat(events.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void aBrokerThatLeftTheJvmIsUnavailableNotCalled() {
        next.set(reply -> {
            throw new AssertionError("a closed broker's handler must not run");
        });
        InProcessBrokers.unregister(ADDRESS);
        streams.shutdownNow();

        assertThatThrownBy(() -> stub().getClusterMap(GetClusterMapRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
}
