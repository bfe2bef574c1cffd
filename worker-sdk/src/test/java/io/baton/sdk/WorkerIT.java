package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.slot.SlotLimits;
import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming workers against a real broker (real ZooKeeper, real gRPC over TCP). The broker allows
 * claim TTLs down to 1 s so that lease expiry can be tested in seconds.
 */
class WorkerIT {
    private static LocalBroker local;
    private static BatonClient client;
    private final List<Worker> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start(b -> b.limits(SlotLimits.v1().withMinimumTtls(60, 1, 0)));
        client = BatonClient.builder().target(local.address()).project("work-" + UUID.randomUUID()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        local.close();
    }

    @AfterEach
    void stopWorkers() {
        workers.forEach(Worker::shutdownNow);
    }

    private Worker worker(String queue, JobHandler handler, int concurrency, int maxOutstanding, Duration ttl, boolean extend) {
        Worker w = Worker.builder(client).queue(queue).handler(handler).concurrency(concurrency).maxOutstanding(maxOutstanding)
                .claimTtl(ttl).grace(Duration.ZERO).extendLeases(extend).build();
        workers.add(w);
        return w.start();
    }

    private static String queue() {
        String q = "w-" + UUID.randomUUID().toString().substring(0, 8);
        client.createQueue(q);
        return q;
    }

    /** Posts {@code n} jobs with bodies 0..n-1, 20 per request, pipelined. */
    private static void post(String queue, int from, int n) {
        List<CompletableFuture<PublishResult>> acks = new ArrayList<>();
        for (int i = from; i < from + n; i += 20) {
            List<NewMessage> batch = new ArrayList<>();
            for (int k = i; k < Math.min(from + n, i + 20); k++) {
                batch.add(new NewMessage(3600, Integer.toString(k)));
            }
            acks.add(client.publishAsync(queue, batch));
            if (acks.size() >= 64) {
                acks.forEach(CompletableFuture::join);
                acks.clear();
            }
        }
        acks.forEach(CompletableFuture::join);
    }

    @Test
    void hundredThousandJobsThroughEightWorkersAreEachHandledExactlyOnce() throws Exception {
        String q = queue();
        int n = 100_000;
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        AtomicInteger handled = new AtomicInteger();
        for (int w = 0; w < 8; w++) {
            worker(q, job -> {
                seen.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
                handled.incrementAndGet();
            }, 2, 32, Duration.ofSeconds(60), true);
        }
        post(q, 0, n);
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> handled.get() >= n);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.stats(q).total() == 0);
        assertThat(seen).hasSize(n);
        assertThat(seen.values()).allMatch(c -> c.get() == 1);
        assertThat(handled.get()).isEqualTo(n);
    }

    @Test
    void delayedJobsReachAWaitingWorkerWhenDueAndNeverBefore() throws Exception {
        String q = queue();
        Map<String, Long> dueAt = new ConcurrentHashMap<>();
        Map<String, Long> handledAt = new ConcurrentHashMap<>();
        worker(q, job -> handledAt.put(job.bodyJson(), System.currentTimeMillis()), 4, 32, Duration.ofSeconds(60), true);
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // Delays of 0-3 s, some posted without one (the queue's default: none).
            NewMessage m = new NewMessage(3600, Integer.toString(i));
            batch.add(i % 5 == 0 ? m : m.withDelay(Duration.ofMillis(250L * (i % 13))));
        }
        long posted = System.currentTimeMillis();
        client.publish(q, batch);
        for (NewMessage m : batch) {
            dueAt.put(m.bodyJson(), posted + 1000L * Math.max(0, m.delaySeconds()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> handledAt.size() == batch.size());
        long latest = 0;
        for (Map.Entry<String, Long> e : handledAt.entrySet()) {
            // The delay counts from when the broker stored the post, at or after `posted`.
            assertThat(e.getValue()).as("job %s", e.getKey()).isGreaterThanOrEqualTo(dueAt.get(e.getKey()));
            latest = Math.max(latest, e.getValue() - dueAt.get(e.getKey()));
        }
        System.out.printf("delayed jobs: the latest arrived %d ms after it was due (measured from before the post)%n", latest);
        assertThat(client.stats(q).delayed()).isZero();
    }

    @Test
    void aJobHeldByAWorkerThatDiesReachesAnotherAfterTheLease() throws Exception {
        String q = queue();
        CountDownLatch firstGotIt = new CountDownLatch(1);
        Worker dying = worker(q, job -> {
            firstGotIt.countDown();
            Thread.sleep(60_000); // stuck: it will be cut off without a goodbye
        }, 1, 1, Duration.ofSeconds(2), true);
        post(q, 0, 1);
        assertThat(firstGotIt.await(10, TimeUnit.SECONDS)).isTrue();
        dying.shutdownNow(); // the stream is cancelled: no ack, no release, the lease runs out
        CountDownLatch secondGotIt = new CountDownLatch(1);
        List<Job> second = new java.util.concurrent.CopyOnWriteArrayList<>();
        worker(q, job -> {
            second.add(job);
            secondGotIt.countDown();
        }, 1, 1, Duration.ofSeconds(2), true);
        assertThat(secondGotIt.await(30, TimeUnit.SECONDS)).isTrue();
        // The broker recorded why the first attempt ended: its stream closed and nobody came back for it.
        assertThat(second.get(0).attempt()).isEqualTo(2);
        assertThat(second.get(0).previousAttempts()).extracting(Attempt::number, Attempt::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, AttemptOutcome.STREAM_CLOSED));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
    }

    @Test
    void aHandlerRunningThreeTimesTheLeaseKeepsItsJobWhileExtending() throws Exception {
        String q = queue();
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        worker(q, job -> {
            deliveries.incrementAndGet();
            started.countDown();
            Thread.sleep(9_000); // three 3-second leases
            done.countDown();
        }, 1, 1, Duration.ofSeconds(3), true);
        post(q, 0, 1);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // A second worker, idle and hungry, would get the job if its lease ever lapsed.
        worker(q, job -> deliveries.incrementAndGet(), 1, 1, Duration.ofSeconds(3), true);
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
        assertThat(deliveries.get()).isEqualTo(1);
    }

    @Test
    void withoutExtensionALongHandlersJobGoesToASecondWorker() throws Exception {
        String q = queue();
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch slowStarted = new CountDownLatch(1);
        worker(q, job -> {
            deliveries.incrementAndGet();
            slowStarted.countDown();
            Thread.sleep(6_000);
        }, 1, 1, Duration.ofSeconds(2), false);
        post(q, 0, 1);
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch redelivered = new CountDownLatch(1);
        List<Job> second = new java.util.concurrent.CopyOnWriteArrayList<>();
        worker(q, job -> {
            deliveries.incrementAndGet();
            second.add(job);
            redelivered.countDown();
        }, 1, 1, Duration.ofSeconds(2), false);
        assertThat(redelivered.await(15, TimeUnit.SECONDS)).isTrue();
        assertThat(deliveries.get()).isEqualTo(2);
        // The first worker never extended its lease: a silent expiry, though its stream stayed open.
        assertThat(second.get(0).previousAttempts()).extracting(Attempt::outcome).containsExactly(AttemptOutcome.LEASE_EXPIRED_SILENT);
    }

    @Test
    void aSlowWorkerNeverHoldsMoreThanItsMaxOutstanding() throws Exception {
        String q = queue();
        AtomicInteger handled = new AtomicInteger();
        Worker slow = worker(q, job -> {
            Thread.sleep(50);
            handled.incrementAndGet();
        }, 1, 3, Duration.ofSeconds(60), true);
        post(q, 0, 40);
        int maxHeld = 0;
        long maxClaimed = 0;
        while (handled.get() < 40) {
            maxHeld = Math.max(maxHeld, slow.outstanding());
            maxClaimed = Math.max(maxClaimed, client.stats(q).claimed());
            Thread.sleep(5);
        }
        assertThat(maxHeld).isBetween(1, 3);
        assertThat(maxClaimed).isBetween(1L, 3L);
    }

    @Test
    void gracefulShutdownUnderLoadLosesAndDuplicatesNothing() throws Exception {
        String q = queue();
        int n = 3_000;
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        JobHandler handler = job -> {
            Thread.sleep(1);
            seen.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
        };
        Worker first = worker(q, handler, 4, 16, Duration.ofSeconds(60), true);
        Worker second = worker(q, handler, 4, 16, Duration.ofSeconds(60), true);
        post(q, 0, n);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() > n / 4);
        first.shutdown();
        assertThat(first.awaitTermination(Duration.ofSeconds(30))).isTrue();
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> seen.size() >= n);
        second.shutdown();
        assertThat(second.awaitTermination(Duration.ofSeconds(30))).isTrue();
        assertThat(client.stats(q).total()).isZero();
        assertThat(seen).hasSize(n);
        assertThat(seen.values()).allMatch(c -> c.get() == 1);
    }

    @Test
    void withoutAReleaseBackoffTheQueuesRetryPolicyDecidesAndTheWaitHoldsNoLease() throws Exception {
        String q = queue();
        client.setMetadata(q, "{\"_retry_backoff_initial_ms\": 1000, \"_retry_backoff_max_ms\": 1000}");
        Map<String, Long> failedAt = new ConcurrentHashMap<>();
        Map<String, Long> retriedAt = new ConcurrentHashMap<>();
        // No releaseBackoff: the broker draws each wait from [0, 1000] ms.
        Worker w = Worker.builder(client).queue(q).concurrency(4).maxOutstanding(32).claimTtl(Duration.ofSeconds(60))
                .handler(job -> {
                    if (failedAt.putIfAbsent(job.bodyJson(), System.nanoTime()) == null) {
                        throw new IllegalStateException("first try fails");
                    }
                    retriedAt.putIfAbsent(job.bodyJson(), System.nanoTime());
                }).build();
        workers.add(w);
        w.start();
        post(q, 0, 20);
        long maxDelayed = 0;
        while (retriedAt.size() < 20) {
            maxDelayed = Math.max(maxDelayed, client.stats(q).delayed());
            Thread.sleep(20);
        }
        assertThat(maxDelayed).as("jobs waiting for their retry are delayed, not claimed").isPositive();
        long longest = 0;
        for (String job : retriedAt.keySet()) {
            long waitedMs = (retriedAt.get(job) - failedAt.get(job)) / 1_000_000;
            assertThat(waitedMs).as("job %s", job).isLessThan(1_000 + 1_000); // the draw's cap, plus scheduling
            longest = Math.max(longest, waitedMs);
        }
        assertThat(longest).as("twenty draws from [0, 1000] ms").isGreaterThan(100);
    }

    @Test
    void acksAndReleasesReadyTogetherTravelInOneRequestAndEveryJobEndsOnce() throws Exception {
        String q = queue();
        int n = 2_000;
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> successes = new ConcurrentHashMap<>();
        double settlesBefore = counter("baton.work.settles");
        double[] batchesBefore = {counter("baton.work.claim.batches"), counter("baton.work.jobs.pushed"),
                counter("baton.work.ack.batches"), counter("baton.work.acks")};
        // Every third job fails on its first attempt: the jobs that finish together are a mix.
        for (int w = 0; w < 2; w++) {
            Worker worker = Worker.builder(client).queue(q).concurrency(4).maxOutstanding(64).releaseBackoff(Duration.ZERO)
                    .handler(job -> {
                        if (Integer.parseInt(job.bodyJson()) % 3 == 0 && job.attempt() == 1) {
                            failures.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
                            throw new IllegalStateException("first try");
                        }
                        successes.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
                    }).build();
            workers.add(worker);
            worker.start();
        }
        post(q, 0, n);
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> successes.size() == n);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.stats(q).total() == 0);
        assertThat(successes.values()).allMatch(c -> c.get() == 1);
        assertThat(failures).hasSize((n + 2) / 3);
        assertThat(failures.values()).allMatch(c -> c.get() == 1);
        double settles = counter("baton.work.settles") - settlesBefore;
        assertThat(settles).isPositive();
        // Each job was pushed in some claim batch, and each ack travelled in an ack batch or a settle.
        double claimBatches = counter("baton.work.claim.batches") - batchesBefore[0];
        double pushed = counter("baton.work.jobs.pushed") - batchesBefore[1];
        assertThat(pushed).isGreaterThanOrEqualTo(n + failures.size());
        assertThat(claimBatches).isPositive().isLessThanOrEqualTo(pushed);
        double ackRequests = counter("baton.work.ack.batches") - batchesBefore[2] + settles;
        assertThat(ackRequests).isPositive().isLessThanOrEqualTo(counter("baton.work.acks") - batchesBefore[3] + failures.size());
    }

    @Test
    void aReleaseWithNoAckToGoWithWaitsForTheNextAcksAndTravelsInTheirSettle() throws Exception {
        String q = queue();
        CountDownLatch failed = new CountDownLatch(1);
        CountDownLatch retried = new CountDownLatch(1);
        double settlesBefore = counter("baton.work.settles");
        double releasesBefore = counter("baton.work.releases");
        // A linger far longer than the test: job 0's release can reach the broker only with job 1's ack.
        Worker w = Worker.builder(client).queue(q).concurrency(2).maxOutstanding(2).releaseBackoff(Duration.ZERO)
                .releaseLinger(Duration.ofMinutes(10))
                .handler(job -> {
                    if (job.bodyJson().equals("0")) {
                        if (job.attempt() == 1) {
                            failed.countDown();
                            throw new IllegalStateException("first try");
                        }
                        retried.countDown();
                        return;
                    }
                    failed.await(); // then give job 0's failure time to be queued as a release
                    Thread.sleep(1_000);
                }).build();
        workers.add(w);
        w.start();
        post(q, 0, 2);
        assertThat(retried.await(30, TimeUnit.SECONDS)).as("job 0 retried long before its release's linger ran out").isTrue();
        assertThat(counter("baton.work.settles") - settlesBefore).as("the release and the ack in one settle").isEqualTo(1);
        assertThat(counter("baton.work.releases") - releasesBefore).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
    }

    private static double counter(String name) {
        return local.broker().metrics().registry().get(name).counter().count();
    }

    @Test
    void aFailingHandlerGivesTheJobBackForAnotherAttempt() throws Exception {
        String q = queue();
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch succeeded = new CountDownLatch(1);
        List<Job> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        worker(q, job -> {
            seen.add(job);
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("transient " + job.attempt());
            }
            // While the third attempt runs, the message shows all three (the gRPC ledger).
            Message m = client.getMessage(q, job.id());
            assertThat(m.attempts()).isEqualTo(3);
            assertThat(m.ledger()).extracting(Attempt::outcome)
                    .containsExactly(AttemptOutcome.RELEASED, AttemptOutcome.RELEASED, AttemptOutcome.RUNNING);
            succeeded.countDown();
        }, 1, 1, Duration.ofSeconds(60), true);
        post(q, 0, 1);
        assertThat(succeeded.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(seen).extracting(Job::attempt).containsExactly(1, 2, 3);
        Job third = seen.get(2);
        assertThat(third.previousAttempts()).extracting(Attempt::number, Attempt::outcome, Attempt::errorClass, Attempt::errorMessage)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, AttemptOutcome.RELEASED, "java.lang.IllegalStateException", "transient 1"),
                        org.assertj.core.groups.Tuple.tuple(2, AttemptOutcome.RELEASED, "java.lang.IllegalStateException", "transient 2"));
        // Each earlier attempt names the claim its job came under (the broker encodes these ids once and keeps them).
        assertThat(third.previousAttempts()).extracting(Attempt::claimId)
                .containsExactly(seen.get(0).claimId(), seen.get(1).claimId());
        assertThat(third.previousAttempts()).allSatisfy(a -> {
            assertThat(a.claimId()).isNotEmpty();
            assertThat(a.endedAt()).isAfterOrEqualTo(a.startedAt());
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
    }
}
