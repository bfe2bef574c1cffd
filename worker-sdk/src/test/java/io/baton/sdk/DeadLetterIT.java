package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Poison jobs through streaming workers against a real broker: dead-lettered after exactly
 * {@code _max_claim_count} handler runs, with their ledger, and sent back by a redrive, each once,
 * while workers keep taking jobs.
 */
class DeadLetterIT {
    private static LocalBroker local;
    private static BatonClient client;
    private final List<Worker> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start();
        client = BatonClient.builder().target(local.address()).project("dlq-" + UUID.randomUUID()).build();
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

    private void worker(String queue, JobHandler handler) {
        Worker w = Worker.builder(client).queue(queue).handler(handler).concurrency(4).maxOutstanding(16)
                .claimTtl(Duration.ofSeconds(60)).grace(Duration.ofSeconds(60)).build();
        workers.add(w);
        w.start();
    }

    private static String queueWithDeadLetters(int maxClaims) {
        String q = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
        client.createQueue(q);
        client.setMetadata(q, "{\"_max_claim_count\":" + maxClaims + ",\"_dead_letter_queue\":\"" + q + "-dlq\"}");
        return q;
    }

    private static void post(String queue, int n) {
        for (int from = 0; from < n; from += 20) {
            List<NewMessage> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 20); i++) {
                batch.add(new NewMessage(3600, Integer.toString(i)));
            }
            client.publish(queue, batch);
        }
    }

    @Test
    void aPoisonJobRunsExactlyMaxClaimCountTimesThenWaitsInTheDeadLetterQueueUntilRedriven() {
        String q = queueWithDeadLetters(3);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        AtomicBoolean poisonFixed = new AtomicBoolean();
        Set<String> done = ConcurrentHashMap.newKeySet();
        worker(q, job -> {
            runs.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
            if (Integer.parseInt(job.bodyJson()) % 10 == 0 && !poisonFixed.get()) {
                throw new IllegalArgumentException("cannot parse job " + job.bodyJson());
            }
            done.add(job.bodyJson());
        });
        post(q, 50);
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreException(NotFoundException.class) // until the first move creates it
                .until(() -> client.stats(q + "-dlq").total() == 5
                && client.stats(q).total() == 0);
        assertThat(done).hasSize(45);
        for (int i = 0; i < 50; i += 10) {
            assertThat(runs.get(Integer.toString(i)).get()).as("runs of poison job %d", i).isEqualTo(3);
        }
        MessagePage dead = client.listMessages(q + "-dlq", null, 10, true, true);
        assertThat(dead.messages()).hasSize(5).allSatisfy(m -> {
            assertThat(m.attempts()).isEqualTo(3);
            assertThat(m.ledger()).extracting(Attempt::outcome).containsOnly(AttemptOutcome.RELEASED);
            assertThat(m.ledger()).extracting(Attempt::errorClass).containsOnly("java.lang.IllegalArgumentException");
        });

        // The bug is fixed: send them back; each runs once more, and succeeds.
        poisonFixed.set(true);
        RedriveResult r = client.redriveAll(q + "-dlq", 1_000);
        assertThat(r.redriven()).isEqualTo(5);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> done.size() == 50);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
        assertThat(client.stats(q + "-dlq").total()).isZero();
        for (int i = 0; i < 50; i += 10) {
            assertThat(runs.get(Integer.toString(i)).get()).as("runs of job %d", i).isEqualTo(4);
        }
    }

    @Test
    void aJobItsHandlerGivesUpOnGoesToTheDeadLetterQueueAfterOneRunWhateverTheClaimLimit() {
        String q = queueWithDeadLetters(5);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Set<String> done = ConcurrentHashMap.newKeySet();
        worker(q, job -> {
            int n = runs.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
            int i = Integer.parseInt(job.bodyJson());
            if (i % 10 == 0) {
                throw new NonRetryableException("job " + i + " can never succeed", new IllegalArgumentException("bad"));
            }
            if (i % 10 == 5 && n < 3) {
                throw new IllegalStateException("flaky"); // an ordinary failure: retried, then it succeeds
            }
            done.add(job.bodyJson());
        });
        post(q, 40);
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreException(NotFoundException.class)
                .until(() -> client.stats(q + "-dlq").total() == 4 && client.stats(q).total() == 0);
        assertThat(done).hasSize(36);
        for (int i = 0; i < 40; i += 10) {
            assertThat(runs.get(Integer.toString(i)).get()).as("runs of job %d, given up on", i).isEqualTo(1);
            assertThat(runs.get(Integer.toString(i + 5)).get()).as("runs of job %d, flaky", i + 5).isEqualTo(3);
        }
        MessagePage dead = client.listMessages(q + "-dlq", null, 10, true, true);
        assertThat(dead.messages()).hasSize(4).allSatisfy(m -> {
            assertThat(m.attempts()).isEqualTo(1);
            assertThat(m.ledger()).singleElement().satisfies(a -> {
                assertThat(a.outcome()).isEqualTo(AttemptOutcome.RELEASED);
                assertThat(a.errorClass()).isEqualTo(NonRetryableException.class.getName());
                assertThat(a.errorMessage()).endsWith("can never succeed");
            });
        });
    }

    @Test
    void aJobGivenUpOnInAQueueWithoutADeadLetterQueueIsRetriedNotDropped() {
        String q = "jobs-" + UUID.randomUUID().toString().substring(0, 8);
        client.createQueue(q);
        AtomicInteger runs = new AtomicInteger();
        Set<String> done = ConcurrentHashMap.newKeySet();
        worker(q, job -> {
            if (runs.incrementAndGet() < 3) {
                throw new NonRetryableException("not now");
            }
            done.add(job.bodyJson());
        });
        post(q, 1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> done.size() == 1);
        assertThat(runs.get()).isEqualTo(3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
    }

    @Test
    void redriveUnderLoadDuplicatesAndLosesNothing() {
        String q = queueWithDeadLetters(1);
        int n = 2_000;
        // Phase 1: every job fails once and is dead-lettered.
        AtomicBoolean failing = new AtomicBoolean(true);
        Map<String, AtomicInteger> succeeded = new ConcurrentHashMap<>();
        for (int w = 0; w < 2; w++) {
            worker(q, job -> {
                if (failing.get()) {
                    throw new IllegalStateException("down");
                }
                succeeded.computeIfAbsent(job.bodyJson(), k -> new AtomicInteger()).incrementAndGet();
            });
        }
        post(q, n);
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> client.stats(q + "-dlq").total() == n);
        // Phase 2: workers succeed now; redrive at a rate while fresh jobs keep coming in.
        failing.set(false);
        Thread producer = new Thread(() -> {
            for (int from = n; from < n + 1_000; from += 20) {
                List<NewMessage> batch = new ArrayList<>();
                for (int i = from; i < from + 20; i++) {
                    batch.add(new NewMessage(3600, Integer.toString(i)));
                }
                client.publish(q, batch);
            }
        });
        producer.start();
        RedriveResult r = client.redriveAll(q + "-dlq", 2_000);
        assertThat(r.redriven()).isEqualTo(n);
        try {
            producer.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> succeeded.size() == n + 1_000);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.stats(q).total() == 0);
        assertThat(succeeded.values()).allMatch(c -> c.get() == 1);
        assertThat(client.stats(q + "-dlq").total()).isZero();
    }
}
