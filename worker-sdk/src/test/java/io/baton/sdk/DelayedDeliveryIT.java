package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Delayed delivery at scale, end to end: 10,000 jobs posted at once with random delays of 1 s to a
 * minute reach waiting streaming workers (real broker, real gRPC, the journal on disk), none before
 * its time, none twice, none lost; how late they come is printed, not asserted (timings vary with
 * the machine).
 *
 * <p>A delay counts from when the broker stored the post: the job's {@code createdAt}, read from the
 * same host clock as the handler's. A job handled before {@code createdAt} plus its delay came
 * early. So that this does not rest on {@code createdAt} alone, each must also be no earlier than
 * the test's clock reading taken before its post was sent.
 *
 * <p>It runs beside the module's other test classes (junit-platform.properties), since it mostly
 * waits; it has a broker of its own, and its checks do not depend on timing.
 */
@Execution(ExecutionMode.CONCURRENT)
class DelayedDeliveryIT {
    private static final int JOBS = 10_000;
    private static final int MAX_DELAY_SECONDS = 60;
    private static final int PER_POST = 20;

    private static LocalBroker local;
    private static BatonClient client;

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start();
        client = BatonClient.builder().target(local.address()).project("delays-" + UUID.randomUUID()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        local.close();
    }

    @Test
    void tenThousandJobsWithDelaysUpToAMinuteArriveNoneEarlyNoneTwiceNoneLost() {
        String q = "delays-" + UUID.randomUUID().toString().substring(0, 8);
        client.createQueue(q);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int[] delaySeconds = new int[JOBS];
        for (int i = 0; i < JOBS; i++) {
            delaySeconds[i] = 1 + random.nextInt(MAX_DELAY_SECONDS);
        }
        long[] sentAt = new long[JOBS];
        AtomicLongArray handledAt = new AtomicLongArray(JOBS);
        AtomicLongArray storedAt = new AtomicLongArray(JOBS);
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger twice = new AtomicInteger();
        List<Worker> workers = new ArrayList<>();
        try {
            for (int w = 0; w < 4; w++) {
                workers.add(Worker.builder(client).queue(q).concurrency(4).maxOutstanding(64).handler(job -> {
                    int i = Integer.parseInt(job.bodyJson());
                    if (handledAt.compareAndSet(i, 0, System.currentTimeMillis())) {
                        storedAt.set(i, job.createdAt().toEpochMilli());
                        handled.incrementAndGet();
                    } else {
                        twice.incrementAndGet();
                    }
                }).build().start());
            }
            List<CompletableFuture<PublishResult>> posts = new ArrayList<>();
            for (int from = 0; from < JOBS; from += PER_POST) {
                List<NewMessage> batch = new ArrayList<>(PER_POST);
                for (int i = from; i < from + PER_POST; i++) {
                    batch.add(new NewMessage(3600, Integer.toString(i)).withDelay(Duration.ofSeconds(delaySeconds[i])));
                }
                long now = System.currentTimeMillis();
                Arrays.fill(sentAt, from, from + PER_POST, now);
                posts.add(client.publishAsync(q, batch));
            }
            CompletableFuture.allOf(posts.toArray(new CompletableFuture<?>[0])).join();
            // Most of them are still waiting for their time, counted as delayed and held by nobody.
            long longDelays = Arrays.stream(delaySeconds).filter(d -> d >= 30).count();
            QueueStats early = client.stats(q);
            assertThat(early.delayed()).isGreaterThanOrEqualTo(longDelays);
            assertThat(early.claimed()).isLessThanOrEqualTo(JOBS - longDelays);

            Awaitility.await().atMost(Duration.ofSeconds(MAX_DELAY_SECONDS + 60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> handled.get() == JOBS);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.stats(q).total() == 0);
        } finally {
            workers.forEach(Worker::shutdownNow);
        }

        long[] late = new long[JOBS];
        List<Long> lateAfterTheBurst = new ArrayList<>();
        List<String> before = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            assertThat(storedAt.get(i)).as("job %d stored after the test sent it", i).isGreaterThanOrEqualTo(sentAt[i]);
            long due = storedAt.get(i) + 1000L * delaySeconds[i];
            late[i] = handledAt.get(i) - due;
            if (delaySeconds[i] >= 5) {
                lateAfterTheBurst.add(late[i]);
            }
            if (late[i] < 0) {
                before.add("job " + i + " (delay " + delaySeconds[i] + " s) came " + -late[i] + " ms early");
            }
        }
        Arrays.sort(late);
        System.out.printf("delayed delivery, %d jobs with delays of 1-%d s (seed %d): lateness p50 %d ms, p99 %d ms, "
                        + "p99.9 %d ms, max %d ms after each was due%n", JOBS, MAX_DELAY_SECONDS, seed,
                late[JOBS / 2], late[JOBS * 99 / 100], late[JOBS * 999 / 1000], late[JOBS - 1]);
        // Those due once the burst of posts is long over, on a warmed-up broker: the timers alone.
        java.util.Collections.sort(lateAfterTheBurst);
        int n = lateAfterTheBurst.size();
        System.out.printf("delayed delivery, the %d with delays of 5 s or more: lateness p50 %d ms, p99 %d ms, max %d ms%n",
                n, lateAfterTheBurst.get(n / 2), lateAfterTheBurst.get(n * 99 / 100), lateAfterTheBurst.get(n - 1));
        // After the burst nothing is posted, so a job falling due reaches a waiting worker only through
        // the slot's timer, which tells how late it ran; the rest of such a job's lateness is its claim's fsync.
        io.micrometer.core.instrument.Timer wakes = local.broker().metrics().registry().get("baton.work.wake.lateness").timer();
        System.out.printf("delayed delivery, the slot's timer woke waiting workers %d times: p99 under %.0f ms, max %.0f ms late%n",
                wakes.count(), bucketHolding(wakes, 0.99), wakes.max(TimeUnit.MILLISECONDS));
        assertThat(wakes.count()).as("wake-ups by the slot's timer").isPositive();
        assertThat(before).as("seed %d", seed).isEmpty();
        assertThat(twice.get()).as("jobs handled twice").isZero();
        assertThat(client.stats(q).delayed()).isZero();
    }

    /** The upper bound (ms) of the first histogram bucket holding {@code fraction} of a timer's samples. */
    private static double bucketHolding(io.micrometer.core.instrument.Timer timer, double fraction) {
        io.micrometer.core.instrument.distribution.HistogramSnapshot h = timer.takeSnapshot();
        for (io.micrometer.core.instrument.distribution.CountAtBucket b : h.histogramCounts()) {
            if (b.count() >= fraction * h.count()) {
                return b.bucket(TimeUnit.MILLISECONDS);
            }
        }
        return h.max(TimeUnit.MILLISECONDS);
    }
}
