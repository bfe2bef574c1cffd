package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.v1.QueueRef;
import io.baton.api.v1.Subscribe;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.testing.LocalBroker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that abuse a broker's gRPC port: more Work streams than the broker serves, 100,000
 * streams that subscribe to missing queues and cancel, and HTTP/2 rapid reset. The broker refuses
 * what is over its bounds with a retryable error or closes the abusing connection, leaves nothing
 * registered, keeps its memory and file descriptors, and serves other clients throughout.
 */
class GrpcAbuseIT {
    private static final int MAX_STREAMS = 200;
    private static LocalBroker local;
    private static BatonClient client;

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start(b -> b.maxWorkStreams(MAX_STREAMS));
        client = BatonClient.builder().target(local.address()).project("abuse").build();
        client.createQueue("jobs");
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        local.close();
    }

    private static WorkRequest subscribe(String queue) {
        return WorkRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                .setQueue(QueueRef.newBuilder().setProject("abuse").setName(queue)).setCredits(1).setTtlSeconds(60).setGraceSeconds(60)).build();
    }

    /** A Work stream subscribed to {@code queue}; {@code ended} completes with how it ends. */
    private static ClientCallStreamObserver<WorkRequest> open(ManagedChannel ch, String queue, CompletableFuture<Status> ended) {
        ClientCallStreamObserver<WorkRequest> call = (ClientCallStreamObserver<WorkRequest>) WorkServiceGrpc.newStub(ch)
                .work(new StreamObserver<>() {
                    @Override
                    public void onNext(WorkEvent e) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        call.onNext(subscribe(queue));
        return call;
    }

    private static double streams() {
        return local.broker().metrics().registry().get("baton.work.streams").gauge().value();
    }

    private static int waiters() throws Exception {
        int n = 0;
        for (SlotDriver d : local.broker().slots().all()) {
            n += d.waiterCount().get(5, TimeUnit.SECONDS);
        }
        return n;
    }

    private static void othersAreServed() {
        client.publish("jobs", List.of(new NewMessage(60, "{\"ok\":true}")));
        assertThat(client.stats("jobs").total()).isPositive();
    }

    private static ManagedChannel channel() {
        return ManagedChannelBuilder.forTarget(local.address()).usePlaintext().build();
    }

    @Test
    void streamsOverTheBrokersCapAreRefusedWithAResourceExhaustedError() throws Exception {
        List<ManagedChannel> channels = List.of(channel(), channel());
        List<ClientCallStreamObserver<WorkRequest>> calls = new ArrayList<>();
        try {
            CompletableFuture<Status> first = new CompletableFuture<>();
            for (int i = 0; i < MAX_STREAMS; i++) {
                calls.add(open(channels.get(i % 2), "jobs", i == 0 ? first : new CompletableFuture<>()));
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> streams() == MAX_STREAMS);
            CompletableFuture<Status> over = new CompletableFuture<>();
            calls.add(open(channels.get(0), "jobs", over));
            Status refused = over.get(10, TimeUnit.SECONDS);
            assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(refused.getDescription()).contains("maximum");
            othersAreServed();
            calls.get(0).cancel("making room", null);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> streams() == MAX_STREAMS - 1);
            CompletableFuture<Status> again = new CompletableFuture<>();
            calls.add(open(channels.get(1), "jobs", again));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> streams() == MAX_STREAMS);
            assertThat(again).isNotDone();
        } finally {
            calls.forEach(c -> c.cancel("test over", null));
            for (ManagedChannel ch : channels) {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> streams() == 0);
    }

    private static long openFiles() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @Test
    void aHundredThousandSubscribeAndCancelCyclesOnMissingQueuesLeaveNothingBehind() throws Exception {
        long filesBefore = openFiles();
        long heapBefore = heapAfterGc();
        int cycles = 100_000;
        int wave = MAX_STREAMS - 10; // within the broker's stream cap
        ManagedChannel ch = channel();
        try {
            List<ClientCallStreamObserver<WorkRequest>> calls = new ArrayList<>(wave);
            List<CompletableFuture<Status>> ends = new ArrayList<>(wave);
            long refusedConnections = 0;
            for (int done = 0; done < cycles; done += wave) {
                for (int i = 0; i < wave; i++) {
                    CompletableFuture<Status> end = new CompletableFuture<>();
                    ends.add(end);
                    calls.add(open(ch, "missing-" + ((done + i) % 5_000), end));
                }
                // Cancel once the broker holds each (or its connection was closed under it: the
                // rapid-reset bound closes a connection that resets more than 500 streams in 10 s).
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1))
                        .until(() -> streams() + ends.stream().filter(CompletableFuture::isDone).count() >= wave);
                refusedConnections += ends.stream().filter(CompletableFuture::isDone).count();
                calls.forEach(c -> c.cancel("gone", null));
                calls.clear();
                ends.clear();
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> streams() == 0);
                if (done % 20_000 == 0) {
                    othersAreServed();
                }
            }
            assertThat(refusedConnections).as("most cycles subscribed for real").isLessThan(cycles / 2);
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> waiters() == 0 && streams() == 0);
        othersAreServed();
        assertThat(openFiles()).as("file descriptors").isLessThan(filesBefore + 50);
        assertThat(heapAfterGc()).as("heap after a collection").isLessThan(heapBefore + (64L << 20));
    }

    @Test
    void aConnectionThatResetsStreamsInALoopIsClosed() throws Exception {
        ManagedChannel ch = channel();
        try {
            CompletableFuture<Status> bystander = new CompletableFuture<>();
            ClientCallStreamObserver<WorkRequest> waiting = open(ch, "jobs-idle", bystander);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> streams() >= 1);
            // Far more than 500 resets in 10 s on one connection: HTTP/2 rapid reset.
            for (int i = 0; i < 2_000 && !bystander.isDone(); i++) {
                ClientCallStreamObserver<WorkRequest> c = open(ch, "missing-reset", new CompletableFuture<>());
                c.cancel("reset", null);
                if (i % 100 == 99) {
                    Thread.sleep(5);
                }
            }
            Status ended = bystander.get(20, TimeUnit.SECONDS);
            // The server sends GOAWAY with ENHANCE_YOUR_CALM and closes the connection: the client
            // ends its streams with RESOURCE_EXHAUSTED when it reads that code first, UNAVAILABLE
            // when it sees the connection close first (a race on the client's side).
            assertThat(ended.getCode()).as("the stream sharing the abusive connection ends with it")
                    .isIn(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED);
            waiting.cancel("over", null);
            othersAreServed();
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
