package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Limits;
import io.baton.api.v1.Ack;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.api.v1.Acks;
import io.baton.api.v1.Job;
import io.baton.api.v1.Outcome;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.Release;
import io.baton.api.v1.Releases;
import io.baton.api.v1.Subscribe;
import io.baton.api.v1.WorkEvent;
import io.baton.api.v1.WorkRequest;
import io.baton.api.v1.WorkServiceGrpc;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.testing.LocalBroker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Work stream's wire protocol, spoken directly (no {@link Worker}): jobs arrive in batches,
 * each under a claim of its own; acks travel in batches answered by one outcome; a lost lease is
 * reported per ack; malformed requests end the stream with INVALID_ARGUMENT and change nothing.
 */
class WorkStreamIT {
    private static LocalBroker local;
    private static BatonClient client;
    private static ManagedChannel channel;
    private final List<Stream> streams = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start(b -> b.limits(SlotLimits.v1().withMinimumTtls(60, 1, 0)));
        client = BatonClient.builder().target(local.address()).project("stream-" + UUID.randomUUID()).build();
        channel = ManagedChannelBuilder.forTarget(local.address()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        client.close();
        local.close();
    }

    @AfterEach
    void cancelStreams() {
        streams.forEach(s -> ((ClientCallStreamObserver<WorkRequest>) s.requests).cancel("test over", null));
    }

    /** One raw stream: what it received, and how it ended. */
    private final class Stream implements StreamObserver<WorkEvent> {
        final List<WorkEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();
        final StreamObserver<WorkRequest> requests;
        /** The broker's response headers, once they arrive. */
        final java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata> headers = new java.util.concurrent.atomic.AtomicReference<>();

        Stream() {
            requests = WorkServiceGrpc.newStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(headers, new java.util.concurrent.atomic.AtomicReference<>()))
                    .work(this);
            streams.add(this);
        }

        @Override
        public void onNext(WorkEvent e) {
            events.add(e);
        }

        @Override
        public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended.complete(Status.OK);
        }

        void send(WorkRequest r) {
            requests.onNext(r);
        }

        /** The jobs pushed so far; each one's message carries the job's own claim id. */
        List<Job> jobs() {
            List<Job> jobs = events.stream().filter(WorkEvent::hasJobs).flatMap(e -> e.getJobs().getJobsList().stream()).toList();
            jobs.forEach(j -> assertThat(j.getMessage().getClaimId()).isEqualTo(j.getClaimId()).isNotEmpty());
            return jobs;
        }

        /** The jobs pushed so far, as they came (the compact form's messages carry no claim id). */
        List<Job> pushed() {
            return events.stream().filter(WorkEvent::hasJobs).flatMap(e -> e.getJobs().getJobsList().stream()).toList();
        }

        List<Outcome> outcomes() {
            return events.stream().filter(WorkEvent::hasOutcome).map(WorkEvent::getOutcome).toList();
        }

        Status endStatus() throws Exception {
            return ended.get(10, TimeUnit.SECONDS);
        }
    }

    private static String queue() {
        String q = "s-" + UUID.randomUUID().toString().substring(0, 8);
        client.createQueue(q);
        return q;
    }

    private static WorkRequest subscribe(String queue, int credits, long ttl) {
        return WorkRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                .setQueue(QueueRef.newBuilder().setProject(client.project()).setName(queue))
                .setCredits(credits).setTtlSeconds(ttl).setGraceSeconds(0)).build();
    }

    private static WorkRequest acks(List<Job> jobs) {
        Acks.Builder b = Acks.newBuilder();
        jobs.forEach(j -> b.addAcks(Ack.newBuilder().setMessageId(j.getMessage().getId()).setClaimId(j.getClaimId())));
        return WorkRequest.newBuilder().setAcks(b).build();
    }

    private static void post(String queue, int n) {
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(new NewMessage(600, "{\"n\":" + i + "}"));
        }
        client.publish(queue, batch);
    }

    /** A stream subscribed to {@code q} with {@code credits}, once it has received {@code jobs} jobs. */
    private Stream streamWithJobs(String q, int credits, long ttl, int jobs) {
        Stream s = new Stream();
        s.send(subscribe(q, credits, ttl));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.jobs().size() == jobs);
        return s;
    }

    @Test
    void jobsArriveInBatchesEachUnderAClaimOfItsOwnAndOneAckBatchDeletesThemAll() throws Exception {
        String q = queue();
        post(q, 7);
        Stream s = streamWithJobs(q, 10, 60, 7);
        List<Job> jobs = s.jobs();
        assertThat(jobs.stream().map(Job::getClaimId).distinct()).hasSize(7);
        assertThat(jobs.stream().map(j -> j.getMessage().getId()).distinct()).hasSize(7);
        assertThat(s.events.stream().filter(WorkEvent::hasJobs)).hasSizeLessThan(7); // batched, not one event per job
        s.send(acks(jobs));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !s.outcomes().isEmpty());
        Outcome o = s.outcomes().get(0);
        assertThat(o.getKind()).isEqualTo(Outcome.Kind.ACK);
        assertThat(o.getOk()).isTrue();
        assertThat(o.getRefused()).isZero();
        assertThat(client.stats(q).total()).isZero();
    }

    @Test
    void anAckWhoseLeaseWasLostIsRefusedAloneAndTheOthersAreDeleted() throws Exception {
        String q = queue();
        post(q, 2);
        Stream s = streamWithJobs(q, 2, 60, 2);
        Job lost = s.jobs().get(0);
        // The lease is given up and another claim takes the message before the ack arrives.
        client.releaseClaim(q, lost.getClaimId());
        Claim other = client.claim(q, 1, 60, 60);
        assertThat(other.messages()).extracting(Message::id).containsExactly(lost.getMessage().getId());
        s.send(acks(s.jobs()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.outcomes().stream().anyMatch(o -> o.getKind() == Outcome.Kind.ACK));
        Outcome o = s.outcomes().stream().filter(x -> x.getKind() == Outcome.Kind.ACK).findFirst().orElseThrow();
        assertThat(o.getOk()).isFalse();
        assertThat(o.getRefused()).isEqualTo(1);
        assertThat(o.getError().getCode()).isEqualTo(io.baton.api.ErrorCode.CLAIM_CONFLICT.name());
        assertThat(client.getMessage(q, lost.getMessage().getId()).claimId()).isEqualTo(other.id());
        assertThat(client.stats(q).total()).isOne();
    }

    @Test
    void aJobIsAckedOnAnotherStreamOfItsQueueAndAnAckPairingTwoJobsIdsDeletesNeither() throws Exception {
        String q = queue();
        post(q, 3);
        Stream first = streamWithJobs(q, 3, 60, 3);
        List<Job> jobs = first.jobs();
        // One job's claim with another job's message: the stream resolves the ids itself, and the
        // slot refuses an ack whose claim does not hold that message.
        Job a = jobs.get(0);
        Job b = jobs.get(1);
        first.send(WorkRequest.newBuilder().setAcks(Acks.newBuilder().addAcks(
                Ack.newBuilder().setMessageId(b.getMessage().getId()).setClaimId(a.getClaimId()))).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !first.outcomes().isEmpty());
        assertThat(first.outcomes().get(0).getRefused()).isEqualTo(1);
        assertThat(client.stats(q).total()).isEqualTo(3);

        // A worker that reconnects acks, on its new stream, what its old one was pushed.
        Stream second = new Stream();
        second.send(subscribe(q, 1, 60));
        second.send(acks(jobs));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !second.outcomes().isEmpty());
        Outcome o = second.outcomes().get(0);
        assertThat(o.getOk()).isTrue();
        assertThat(o.getRefused()).isZero();
        assertThat(client.stats(q).total()).isZero();
    }

    private static Release release(Job j) {
        return Release.newBuilder().setClaimId(j.getClaimId()).build();
    }

    private static WorkRequest releases(List<Release> each) {
        return WorkRequest.newBuilder().setReleases(Releases.newBuilder().addAllReleases(each)).build();
    }

    @Test
    void malformedRequestsEndTheStreamWithInvalidArgumentAndChangeNothing() throws Exception {
        String q = queue();
        post(q, 1);
        List<WorkRequest> bad = new ArrayList<>();
        bad.add(acks(List.of())); // acks before subscribing
        bad.add(WorkRequest.getDefaultInstance()); // no kind
        bad.add(subscribe(q, 0, 60)); // no credits
        bad.add(subscribe(q, 10_001, 60));
        bad.add(subscribe("bad name!", 1, 60));
        for (WorkRequest r : bad) {
            Stream s = new Stream();
            s.send(r);
            Status status = s.endStatus();
            assertThat(status.getCode()).as("%s", r).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).isNotBlank();
        }
        // After subscribing: an empty ack batch, one over the limit, and acks naming ids this queue never issued.
        List<java.util.function.Function<Job, WorkRequest>> badAcks = List.of(
                j -> acks(List.of()),
                j -> acks(java.util.Collections.nCopies(Limits.WORK_BATCH_MAX + 1, j)),
                j -> acks(List.of(j.toBuilder().setClaimId("not-an-id").build())),
                j -> acks(List.of(j.toBuilder().setMessage(j.getMessage().toBuilder().setId("42")).build())));
        for (java.util.function.Function<Job, WorkRequest> badAck : badAcks) {
            Stream s = streamWithJobs(q, 1, 1, 1);
            s.send(badAck.apply(s.jobs().get(0)));
            assertThat(s.endStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            // The stream is gone; its lease (1 s) lapses, so the next stream gets the job again.
        }
        assertThat(client.stats(q).total()).isOne();
        // Release batches: empty, over the limit, a claim id this queue never issued, a negative delay.
        List<java.util.function.Function<Job, WorkRequest>> badReleases = List.of(
                j -> releases(List.of()),
                j -> releases(java.util.Collections.nCopies(Limits.WORK_BATCH_MAX + 1, release(j))),
                j -> releases(List.of(Release.newBuilder().setClaimId("not-an-id").build())),
                j -> releases(List.of(release(j).toBuilder().setDelayMs(-1).build())));
        for (java.util.function.Function<Job, WorkRequest> badRelease : badReleases) {
            Stream s = streamWithJobs(q, 1, 1, 1);
            s.send(badRelease.apply(s.jobs().get(0)));
            assertThat(s.endStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        assertThat(client.stats(q).total()).isOne();
    }

    @Test
    void aReleaseGivesBackOneJobOfABatchAndItsCredit() throws Exception {
        String q = queue();
        post(q, 3);
        Stream s = streamWithJobs(q, 3, 60, 3);
        Job first = s.jobs().get(0);
        s.send(WorkRequest.newBuilder().setRelease(Release.newBuilder().setClaimId(first.getClaimId())).build());
        // The credit comes back and the same job is pushed again, under a new claim.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.jobs().size() == 4);
        Job again = s.jobs().get(3);
        assertThat(again.getMessage().getId()).isEqualTo(first.getMessage().getId());
        assertThat(again.getClaimId()).isNotEqualTo(first.getClaimId());
        assertThat(client.stats(q).claimed()).isEqualTo(3);
        // The full form: the ledger's last entry is the running attempt, this job's claim.
        assertThat(first.getMessage().getLedgerList()).extracting(io.baton.api.v1.Attempt::getOutcome).containsExactly("running");
        assertThat(again.getMessage().getLedgerList()).extracting(io.baton.api.v1.Attempt::getOutcome)
                .containsExactly("released", "running");
        assertThat(again.getMessage().getLedgerList()).extracting(io.baton.api.v1.Attempt::getClaimId)
                .containsExactly(first.getClaimId(), again.getClaimId());
    }

    @Test
    void aLoneReleaseThatGivesUpMovesItsJobToTheDeadLetterQueueAndIsAnsweredOk() throws Exception {
        String q = queue();
        client.setMetadata(q, "{\"_max_claim_count\": 5, \"_dead_letter_queue\": \"" + q + "-dlq\"}");
        post(q, 1);
        Stream s = streamWithJobs(q, 1, 60, 1);
        Job job = s.jobs().get(0);
        s.send(WorkRequest.newBuilder().setRelease(Release.newBuilder().setClaimId(job.getClaimId())
                .setErrorClass("BadInput").setDeadLetter(true)).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.outcomes().stream().anyMatch(o -> o.getKind() == Outcome.Kind.RELEASE));
        assertThat(s.outcomes().stream().filter(o -> o.getKind() == Outcome.Kind.RELEASE).findFirst().orElseThrow().getOk()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreException(NotFoundException.class)
                .until(() -> client.stats(q + "-dlq").total() == 1 && client.stats(q).total() == 0);
        assertThat(s.jobs()).hasSize(1); // not pushed again
    }

    @Test
    void aCompactSubscriptionGetsEachClaimIdOnceAndOnlyTheAttemptsThatEnded() throws Exception {
        String q = queue();
        post(q, 1);
        Stream s = new Stream();
        s.send(WorkRequest.newBuilder().setSubscribe(subscribe(q, 1, 60).getSubscribe().toBuilder().setCompactJobs(true)).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.pushed().size() == 1);
        Job first = s.pushed().get(0);
        assertThat(first.getClaimId()).isNotEmpty();
        assertThat(first.getMessage().getClaimId()).isEmpty();
        assertThat(first.getMessage().getLedgerList()).isEmpty();
        assertThat(first.getMessage().getAttempts()).isOne();
        s.send(WorkRequest.newBuilder().setRelease(Release.newBuilder().setClaimId(first.getClaimId())
                .setErrorClass("java.io.IOException").setErrorMessage("disk on fire")).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.pushed().size() == 2);
        Job again = s.pushed().get(1);
        assertThat(again.getMessage().getId()).isEqualTo(first.getMessage().getId());
        assertThat(again.getMessage().getClaimId()).isEmpty();
        assertThat(again.getMessage().getAttempts()).isEqualTo(2);
        assertThat(again.getMessage().getLedgerList()).singleElement().satisfies(a -> {
            assertThat(a.getNumber()).isOne();
            assertThat(a.getClaimId()).isEqualTo(first.getClaimId());
            assertThat(a.getOutcome()).isEqualTo("released");
            assertThat(a.getErrorClass()).isEqualTo("java.io.IOException");
            assertThat(a.getEndedAtMs()).isPositive();
        });
        // What the stream holds is still acknowledged by the job's claim id.
        s.send(acks(List.of(again)));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.outcomes().stream().anyMatch(o -> o.getKind() == Outcome.Kind.ACK));
        assertThat(s.outcomes().stream().filter(o -> o.getKind() == Outcome.Kind.ACK).findFirst().orElseThrow().getOk()).isTrue();
        assertThat(client.stats(q).total()).isZero();
    }

    @Test
    void aReleaseBatchGivesBackItsJobsInOneOutcomeAndCountsClaimsAlreadyEnded() throws Exception {
        String q = queue();
        post(q, 3);
        Stream s = streamWithJobs(q, 3, 60, 3);
        Job first = s.jobs().get(0);
        Job second = s.jobs().get(1);
        // The first is named twice: released once, the second time refused as an ended claim.
        s.send(releases(List.of(release(first), release(second), release(first).toBuilder().setErrorClass("E").build())));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.outcomes().stream().anyMatch(o -> o.getKind() == Outcome.Kind.RELEASE));
        Outcome o = s.outcomes().stream().filter(x -> x.getKind() == Outcome.Kind.RELEASE).findFirst().orElseThrow();
        assertThat(o.getOk()).isTrue();
        assertThat(o.getRefused()).isOne();
        assertThat(o.getClaimId()).isEmpty();
        // Both credits come back and both jobs are pushed again, under new claims.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.jobs().size() == 5);
        assertThat(s.jobs().subList(3, 5)).extracting(j -> j.getMessage().getId())
                .containsExactlyInAnyOrder(first.getMessage().getId(), second.getMessage().getId());
        assertThat(s.jobs().subList(3, 5)).allSatisfy(j -> assertThat(j.getMessage().getAttempts()).isEqualTo(2));
        assertThat(client.stats(q).claimed()).isEqualTo(3);
    }

    private static WorkRequest settle(List<Job> acked, List<Release> released) {
        io.baton.api.v1.Settle.Builder b = io.baton.api.v1.Settle.newBuilder().addAllReleases(released);
        acked.forEach(j -> b.addAcks(Ack.newBuilder().setMessageId(j.getMessage().getId()).setClaimId(j.getClaimId())));
        return WorkRequest.newBuilder().setSettle(b).build();
    }

    /** Gives {@code job}'s lease up behind the stream's back and lets another claim take its message. */
    private static Claim claimedByAnother(String q, Job job) {
        client.releaseClaim(q, job.getClaimId());
        Claim other = client.claim(q, 1, 60, 60);
        assertThat(other.messages()).extracting(Message::id).containsExactly(job.getMessage().getId());
        return other;
    }

    /** The stream's only outcome is a settle's that refused one ack (a claim conflict) and one release. */
    private static void assertOneSettleRefusingAnAckAndARelease(Stream s) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !s.outcomes().isEmpty());
        assertThat(s.outcomes()).hasSize(1);
        Outcome o = s.outcomes().get(0);
        assertThat(o.getKind()).isEqualTo(Outcome.Kind.SETTLE);
        assertThat(o.getOk()).isFalse();
        assertThat(o.getRefused()).isOne();
        assertThat(o.getReleasesRefused()).isOne();
        assertThat(o.getError().getCode()).isEqualTo(io.baton.api.ErrorCode.CLAIM_CONFLICT.name());
    }

    /** {@code job}'s message as the stream received it again, after its first four jobs. */
    private static Job pushedAgain(Stream s, Job job) {
        return s.jobs().subList(4, s.jobs().size()).stream().filter(j -> j.getMessage().getId().equals(job.getMessage().getId()))
                .findFirst().orElseThrow();
    }

    @Test
    void aSettleAcksThenReleasesInOneOutcomeCountingEachKindsRefusals() throws Exception {
        String q = queue();
        post(q, 4);
        Stream s = streamWithJobs(q, 4, 60, 4);
        assertThat(io.baton.api.grpc.WorkStreamHeaders.acceptsSettle(s.headers.get())).isTrue();
        List<Job> jobs = s.jobs();
        Job lost = jobs.get(0);
        Claim other = claimedByAnother(q, lost);
        // Acks: the lost one (refused) and the second. Releases: the third, the fourth with its
        // error, and the second's claim, which its ack ends first (refused, as in a release batch
        // sent after the ack batch).
        s.send(settle(List.of(lost, jobs.get(1)), List.of(release(jobs.get(2)),
                release(jobs.get(3)).toBuilder().setErrorClass("E").setErrorMessage("failed").build(), release(jobs.get(1)))));
        assertOneSettleRefusingAnAckAndARelease(s);
        // The released jobs come back under new claims, their ledgers saying why they came back.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.jobs().size() == 6);
        assertThat(s.jobs().subList(4, 6)).extracting(j -> j.getMessage().getId())
                .containsExactlyInAnyOrder(jobs.get(2).getMessage().getId(), jobs.get(3).getMessage().getId());
        Job fourth = pushedAgain(s, jobs.get(3));
        assertThat(fourth.getMessage().getLedger(0).getErrorClass()).isEqualTo("E");
        assertThat(client.getMessage(q, lost.getMessage().getId()).claimId()).isEqualTo(other.id());
        assertThat(client.stats(q).total()).isEqualTo(3); // the second is gone
    }

    @Test
    void aSettleWhoseReleasesNameOtherClaimsThanItsAcksCountsEachKindsRefusalsToo() throws Exception {
        // The broker decides such a settle as one slot command (the test above takes the other way).
        String q = queue();
        post(q, 4);
        Stream s = streamWithJobs(q, 4, 60, 4);
        List<Job> jobs = s.jobs();
        Job lost = jobs.get(0);
        Claim other = claimedByAnother(q, lost);
        Job ended = jobs.get(3);
        client.releaseClaim(q, ended.getClaimId());
        // Acks: the lost one (refused) and the second. Releases: the third with its error, and the
        // fourth, whose claim already ended (refused).
        s.send(settle(List.of(lost, jobs.get(1)),
                List.of(release(jobs.get(2)).toBuilder().setErrorClass("E").setErrorMessage("failed").build(), release(ended))));
        assertOneSettleRefusingAnAckAndARelease(s);
        // The third comes back with its ledger, and so does the fourth (given back by its claim's release).
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.jobs().size() == 6);
        Job third = pushedAgain(s, jobs.get(2));
        assertThat(third.getMessage().getAttempts()).isEqualTo(2);
        assertThat(third.getMessage().getLedger(0).getErrorClass()).isEqualTo("E");
        assertThat(third.getMessage().getLedger(0).getErrorMessage()).isEqualTo("failed");
        assertThat(client.getMessage(q, lost.getMessage().getId()).claimId()).isEqualTo(other.id());
        assertThat(client.stats(q).total()).isEqualTo(3); // the second is gone
    }

    @Test
    void aMalformedSettleEndsTheStreamAndNeitherItsAcksNorItsReleasesHappen() throws Exception {
        String q = queue();
        post(q, 2);
        List<java.util.function.Function<List<Job>, WorkRequest>> bad = List.of(
                j -> settle(List.of(), List.of()),
                j -> settle(java.util.Collections.nCopies(Limits.WORK_BATCH_MAX + 1, j.get(0)), List.of(release(j.get(1)))),
                j -> settle(List.of(j.get(0)), java.util.Collections.nCopies(Limits.WORK_BATCH_MAX + 1, release(j.get(1)))),
                // A good ack beside a bad release, and a good release beside a bad ack.
                j -> settle(List.of(j.get(0)), List.of(Release.newBuilder().setClaimId("not-an-id").build())),
                j -> settle(List.of(j.get(0).toBuilder().setClaimId("not-an-id").build()), List.of(release(j.get(1)))));
        for (java.util.function.Function<List<Job>, WorkRequest> request : bad) {
            Stream s = streamWithJobs(q, 2, 1, 2);
            s.send(request.apply(s.jobs()));
            assertThat(s.endStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(client.stats(q).total()).isEqualTo(2);
            // The stream is gone; its leases (1 s) lapse, so the next stream gets the jobs again.
        }
        assertThat(client.stats(q).total()).isEqualTo(2);
    }

    /** Posts {@code n} messages of about {@code bytes} each, {@code perPost} to a publish. */
    private static void postLarge(String queue, int n, int bytes, int perPost) {
        String pad = "x".repeat(bytes);
        for (int from = 0; from < n; from += perPost) {
            List<NewMessage> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + perPost); i++) {
                batch.add(new NewMessage(600, "{\"n\":" + i + ",\"p\":\"" + pad + "\"}"));
            }
            client.publish(queue, batch);
        }
    }

    @Test
    void aBatchOfLargeJobsIsPushedInEventsAClientCanTake() throws Exception {
        String q = queue();
        postLarge(q, 50, 200_000, 1); // 10 MB: more than the 8 MiB a client takes in one message
        Stream s = streamWithJobs(q, 50, 60, 50);
        assertThat(s.events.stream().filter(WorkEvent::hasJobs)).hasSizeGreaterThanOrEqualTo(3);
        assertThat(s.events).allSatisfy(e -> assertThat(e.getSerializedSize()).isLessThanOrEqualTo(8 << 20));
    }

    @Test
    void aWorkerThatStopsReadingIsSentNoMoreOnceItsTransportIsFull() throws Exception {
        String q = queue();
        // A raw stream that reads nothing: its transport fills, and the broker must stop claiming.
        List<WorkEvent> received = new CopyOnWriteArrayList<>();
        ClientCallStreamObserver<WorkRequest>[] requests = new ClientCallStreamObserver[1];
        io.grpc.stub.ClientResponseObserver<WorkRequest, WorkEvent> observer = new io.grpc.stub.ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WorkRequest> r) {
                requests[0] = r;
                r.disableAutoRequestWithInitial(0);
            }

            @Override
            public void onNext(WorkEvent e) {
                received.add(e);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
        WorkServiceGrpc.newStub(channel).work(observer);
        try {
            requests[0].onNext(subscribe(q, 5_000, 60));
            // Jobs of 10 KB arrive in small batches (20 a publish), each woken claim pushed at once.
            postLarge(q, 2_000, 10_000, 20);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(2))
                    .until(() -> client.stats(q).claimed() > 0);
            Thread.sleep(2_000);
            long claimed = client.stats(q).claimed();
            // The transport holds a few MB at most (flow-control windows): far fewer than the 2,000 free for it.
            assertThat(claimed).as("jobs claimed for a worker that reads nothing").isBetween(1L, 1_200L);
            assertThat(client.stats(q).free()).isGreaterThanOrEqualTo(800L);
            // Once it reads again, the rest follow.
            requests[0].request(Integer.MAX_VALUE);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> client.stats(q).free() == 0);
        } finally {
            requests[0].cancel("test over", null);
        }
    }

    @Test
    void streamsThatSubscribeToMissingQueuesAndGoLeaveNothingRegistered() throws Exception {
        for (int i = 0; i < 500; i++) {
            Stream s = new Stream();
            s.send(subscribe("missing-" + i, 10, 60));
            ((ClientCallStreamObserver<WorkRequest>) s.requests).cancel("gone", null);
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            int waiting = 0;
            for (io.baton.broker.runtime.SlotDriver d : local.broker().slots().all()) {
                waiting += d.waiterCount().get(5, TimeUnit.SECONDS);
            }
            return waiting == 0;
        });
    }

    @Test
    void oneConnectionHasAtMostItsCallLimitOfStreamsOpenAndTheNextWaitsForAFreeOne() throws Exception {
        ManagedChannel own = ManagedChannelBuilder.forTarget(local.address()).usePlaintext().build();
        java.util.function.Supplier<Double> open = () -> local.broker().metrics().registry().get("baton.work.streams").gauge().value();
        // Streams of earlier tests end asynchronously after their cancel: count from none.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> open.get() == 0);
        double before = open.get();
        List<ClientCallStreamObserver<WorkRequest>> calls = new ArrayList<>();
        try {
            String q = queue();
            for (int i = 0; i <= 1_000; i++) { // one more than a connection may have
                StreamObserver<WorkEvent> ignore = new StreamObserver<>() {
                    public void onNext(WorkEvent e) {}
                    public void onError(Throwable t) {}
                    public void onCompleted() {}
                };
                ClientCallStreamObserver<WorkRequest> c = (ClientCallStreamObserver<WorkRequest>) WorkServiceGrpc.newStub(own).work(ignore);
                c.onNext(subscribe(q, 1, 60));
                calls.add(c);
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> open.get() - before, n -> n == 1_000);
            Thread.sleep(500);
            assertThat(open.get() - before).as("streams the broker serves for one connection").isEqualTo(1_000);
            // Well under the broker's rapid-reset limit (500 resets per 10 s on one connection),
            // which would rightly close the connection and every stream on it.
            for (int i = 0; i < 100; i++) {
                calls.get(i).cancel("making room", null);
            }
            // The one that waited starts once others end: 900 left, and it. The client's HTTP/2
            // layer (Netty's StreamBufferingEncoder under grpc-java) opens a waiting stream when a
            // reset's write completes, inside that write's flush, so its frames leave with the
            // connection's next flush. Short calls on the connection make one.
            var map = ClusterServiceGrpc.newBlockingStub(own);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    map.withDeadlineAfter(1, TimeUnit.SECONDS).getClusterMap(GetClusterMapRequest.getDefaultInstance());
                } catch (StatusRuntimeException waitingToo) {
                    // Queued behind the same flush: the next try goes out once the resets are done.
                }
                return open.get() - before;
            }, n -> n == 901);
        } finally {
            calls.forEach(c -> c.cancel("test over", null));
            own.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
