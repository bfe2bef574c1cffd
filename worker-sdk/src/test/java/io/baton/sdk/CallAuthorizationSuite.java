package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.baton.api.grpc.BearerToken;
import io.baton.api.grpc.InProcessBrokers;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.Subscribe;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.auth.Credentials;
import io.baton.auth.TokenFile;
import io.baton.broker.testing.LocalBroker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.baton.broker.BrokerConfig;
import java.util.function.UnaryOperator;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker with authentication on: every gRPC method it serves, called over TCP with no token, an
 * unknown token and another project's token, is refused with the right status and changes nothing;
 * the right tokens work. The methods are taken from the broker itself, so a new one is covered.
 * Run over plaintext ({@link CallAuthorizationIT}) and mutual TLS ({@link CallAuthorizationTlsIT}).
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
abstract class CallAuthorizationSuite {
    private static final String ALPHA = "tok-alpha-0123456789";
    private static final String BETA = "tok-beta-01234567890";
    private static final String SERVICE = "tok-service-01234567";
    private Path tokens;
    private LocalBroker local;
    private ManagedChannel channel;
    private BatonClient alpha;

    /** How the broker serves and clients connect: plaintext or TLS. */
    abstract LocalBroker startBroker(UnaryOperator<BrokerConfig.Builder> auth) throws Exception;

    abstract ManagedChannel rawChannel(String address);

    /** A client builder for the broker, over the same transport. */
    abstract BatonClient.Builder client();

    @BeforeAll
    void start() throws Exception {
        tokens = Files.createTempFile("tokens", ".json");
        Files.writeString(tokens, "{\"tokens\": {\"" + ALPHA + "\": [\"alpha\"], \"" + BETA + "\": [\"beta\"], \"" + SERVICE
                + "\": [\"*\"]}}");
        Credentials credentials = TokenFile.load(tokens);
        local = startBroker(b -> b.credentials(credentials).serviceToken(SERVICE));
        channel = rawChannel(local.address());
        alpha = client().target(local.address()).project("alpha").token(ALPHA).build();
        alpha.createQueue("q");
        alpha.setMetadata("q", "{\"owner\": \"alpha\"}");
        alpha.publish("q", List.of(new NewMessage(300, "{\"n\":1}"), new NewMessage(300, "{\"n\":2}")));
    }

    @AfterAll
    void stop() throws Exception {
        alpha.close();
        channel.shutdownNow();
        local.close();
        Files.deleteIfExists(tokens);
    }

    private Channel with(String token) {
        return token == null ? channel : ClientInterceptors.intercept(channel, BearerToken.attach(token));
    }

    /** The request of {@code method} naming project {@code project} and queue q wherever it names one. */
    private Message requestFor(MethodDescriptor<?, ?> method, String project) {
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
        Message.Builder b = prototype.toBuilder();
        for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
            if (f.isRepeated()) {
                continue;
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && f.getMessageType().equals(QueueRef.getDescriptor())) {
                b.setField(f, QueueRef.newBuilder().setProject(project).setName("q").build());
            } else if (f.getJavaType() == FieldDescriptor.JavaType.STRING && f.getName().equals("project")) {
                b.setField(f, project);
            }
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private Status.Code call(MethodDescriptor<?, ?> method, String token, String project) {
        try {
            ClientCalls.blockingUnaryCall(with(token), (MethodDescriptor<Message, Object>) method,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), requestFor(method, project));
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void everyUnaryMethodRefusesMissingUnknownAndOtherProjectsTokensAndChangesNothing() {
        Map<String, ServerMethodDefinition<?, ?>> methods = InProcessBrokers.unaryMethods(local.address());
        assertThat(methods).as("the broker's unary methods").hasSizeGreaterThan(15);
        List<String> checked = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> def : methods.values()) {
            MethodDescriptor<?, ?> m = def.getMethodDescriptor();
            String name = m.getFullMethodName();
            assertThat(call(m, null, "alpha")).as("%s without a token", name).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(call(m, "not-a-token-0123456789", "alpha")).as("%s with an unknown token", name)
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
            if (name.equals("baton.v1.ClusterService/GetClusterMap")) {
                assertThat(call(m, BETA, "alpha")).as("%s: any valid token reads the cluster map", name).isEqualTo(Status.Code.OK);
            } else {
                assertThat(call(m, BETA, "alpha")).as("%s with another project's token", name).isEqualTo(Status.Code.PERMISSION_DENIED);
            }
            if (m.getServiceName().equals("baton.v1.MoveService")) {
                assertThat(call(m, ALPHA, "alpha")).as("%s: only brokers move messages", name).isEqualTo(Status.Code.PERMISSION_DENIED);
            }
            checked.add(name);
        }
        assertThat(checked).contains("baton.v1.MessageService/Publish", "baton.v1.QueueService/DeleteQueue",
                "baton.v1.ClaimService/CreateClaim", "baton.v1.MoveService/AcceptMoved", "baton.v1.MessageService/Redrive",
                "baton.v1.MessageService/PurgeMessages", "baton.v1.ClusterService/GetBrokerStatus");
        // Nothing changed: the queue, its messages and metadata are as alpha left them.
        assertThat(alpha.listQueues(null, 10, false)).extracting(QueueEntry::name).containsExactly("q");
        assertThat(alpha.stats("q").total()).isEqualTo(2);
        assertThat(alpha.stats("q").claimed()).isZero();
        assertThat(alpha.getMetadata("q")).contains("alpha");
    }

    /** Opens a Work stream with {@code token} and sends {@code first}; the status it ends with. */
    private Status.Code workStream(String token, WorkRequest first) throws Exception {
        CompletableFuture<Status.Code> end = new CompletableFuture<>();
        StreamObserver<WorkRequest> requests = WorkServiceGrpc.newStub(with(token)).work(new StreamObserver<>() {
            @Override
            public void onNext(WorkEvent e) {
                end.complete(Status.Code.OK); // a job was pushed: the stream was accepted
            }

            @Override
            public void onError(Throwable t) {
                end.complete(Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
                end.complete(Status.Code.OK);
            }
        });
        requests.onNext(first);
        try {
            return end.get(10, TimeUnit.SECONDS);
        } finally {
            requests.onError(Status.CANCELLED.asRuntimeException());
        }
    }

    @Test
    void workStreamsAreCheckedAtTheirSubscription() throws Exception {
        WorkRequest subscribe = WorkRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                .setQueue(QueueRef.newBuilder().setProject("alpha").setName("q")).setCredits(1).setTtlSeconds(1).setGraceSeconds(60))
                .build();
        assertThat(workStream(null, subscribe)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(workStream("not-a-token-0123456789", subscribe)).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(workStream(BETA, subscribe)).isEqualTo(Status.Code.PERMISSION_DENIED);
        // A first message that names no project (acks before subscribing) is refused too.
        assertThat(workStream(ALPHA, WorkRequest.newBuilder().setAcks(io.baton.api.v1.Acks.newBuilder()
                .addAcks(io.baton.api.v1.Ack.newBuilder().setMessageId("1").setClaimId("1"))).build()))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(alpha.stats("q").claimed()).isZero();
    }

    @Test
    void theRightTokensWorkThroughTheSdkIncludingStreamingWorkers() throws Exception {
        try (BatonClient beta = client().target(local.address()).project("beta").token(BETA).build();
             BatonClient operator = client().target(local.address()).project("beta").token(SERVICE).build()) {
            beta.createQueue("jobs");
            beta.publish("jobs", List.of(new NewMessage(300, "{\"job\":1}")));
            CompletableFuture<String> handled = new CompletableFuture<>();
            Worker w = Worker.builder(beta).queue("jobs").handler(job -> handled.complete(job.bodyJson())).build().start();
            assertThat(handled.get(20, TimeUnit.SECONDS)).contains("job");
            w.shutdown();
            w.awaitTermination(Duration.ofSeconds(10));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> beta.stats("jobs").total() == 0);
            // The service identity acts in any project.
            assertThat(operator.stats("jobs").total()).isZero();
        }
        // An SDK client without a token is told why.
        try (BatonClient none = client().target(local.address()).project("alpha").build()) {
            assertThatThrownBy(() -> none.stats("q")).isInstanceOf(BatonException.class).hasMessageContaining("token");
        }
    }

    /** Whether alpha's calls are refused as unauthenticated (the broker accepts no token) now. */
    private boolean alphaRefused() {
        try {
            alpha.stats("q");
            return false;
        } catch (BatonException e) {
            return e.getMessage().contains("token");
        }
    }

    @Test
    void aTokensFileThatBecomesInvalidOrDisappearsRevokesEveryTokenUntilItIsBack() throws Exception {
        String valid = Files.readString(tokens);
        try {
            Files.writeString(tokens, valid.substring(0, valid.length() - 2)); // garbled: cut short
            Files.setLastModifiedTime(tokens, FileTime.from(Instant.now().plusSeconds(5)));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::alphaRefused);
            Files.writeString(tokens, valid);
            Files.setLastModifiedTime(tokens, FileTime.from(Instant.now().plusSeconds(10)));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !alphaRefused());
            Files.delete(tokens);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::alphaRefused);
        } finally {
            Files.writeString(tokens, valid);
            Files.setLastModifiedTime(tokens, FileTime.from(Instant.now().plusSeconds(20)));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !alphaRefused());
        }
        assertThat(alpha.stats("q").total()).isEqualTo(2);
    }
}
