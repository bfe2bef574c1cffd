package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkWaitersTest {
    private final SlotLane lane = new SlotLane("waiters-lane");
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger advances = new AtomicInteger();
    private final List<Long> lateness = new CopyOnWriteArrayList<>();
    private final WorkWaiters waiters = new WorkWaiters(lane, timers, Clock.systemUTC(), advances::incrementAndGet, lateness::add);
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        timers.shutdownNow();
        lane.close();
    }

    /** Runs {@code body} on the lane's thread, as the driver does, and waits for it. */
    private void onLane(Consumer<WorkWaiters> body) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lane.execute(() -> {
            try {
                body.accept(waiters);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWakeRunsTheQueuesWaitersOnceInOrderAfterApplyingExpiries() throws Exception {
        Runnable a = () -> ran.add("a");
        Runnable b = () -> ran.add("b");
        onLane(w -> {
            w.await("p", "q", a, Long.MAX_VALUE);
            w.await("p", "q", b, Long.MAX_VALUE);
            w.await("p", "q", a, Long.MAX_VALUE);
            w.await("p", "other", () -> ran.add("other"), Long.MAX_VALUE);
        });
        assertThat(waiters.count().get(10, TimeUnit.SECONDS)).isEqualTo(3);
        onLane(w -> w.wake("p", "q"));
        assertThat(ran).containsExactly("a", "b");
        assertThat(advances).hasValue(1);
        onLane(w -> w.wake("p", "q"));
        assertThat(ran).containsExactly("a", "b");
        assertThat(waiters.count().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void aWaiterRunsWhileWakingSoItsClaimJoinsTheTaskThatWokeIt() throws Exception {
        AtomicInteger seenWaking = new AtomicInteger();
        onLane(w -> w.await("p", "q", () -> {
            if (waiters.waking()) {
                seenWaking.incrementAndGet();
            }
        }, Long.MAX_VALUE));
        assertThat(waiters.waking()).isFalse();
        onLane(w -> w.wake("p", "q"));
        assertThat(seenWaking).hasValue(1);
    }

    @Test
    void aForgottenWaiterLeavesNothingBehind() throws Exception {
        Runnable a = () -> ran.add("a");
        onLane(w -> w.await("p", "q", a, Long.MAX_VALUE));
        waiters.forget("p", "q", a);
        assertThat(waiters.count().get(10, TimeUnit.SECONDS)).isZero();
        onLane(w -> w.wake("p", "q"));
        assertThat(ran).isEmpty();
    }

    @Test
    void theNextClaimExpiryWakesTheQueueWithoutAnyRecord() throws Exception {
        long at = System.currentTimeMillis() + 50;
        onLane(w -> w.await("p", "q", () -> ran.add("expired"), at));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("expired"));
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(at);
    }

    @Test
    void aTimersWakeTellsHowLateItRanIncludingTheTimeTheSlotThreadWasBusy() throws Exception {
        long at = System.currentTimeMillis() + 100;
        onLane(w -> w.await("p", "q", () -> ran.add("due"), at));
        // The slot thread is busy from before the expiry until 300 ms after it: the wake-up waits behind.
        CountDownLatch busy = new CountDownLatch(1);
        lane.execute(() -> {
            busy.countDown();
            sleepUntil(at + 300);
        });
        busy.await(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("due"));
        assertThat(lateness).hasSize(1);
        assertThat(lateness.get(0)).isBetween(290L, System.currentTimeMillis() - at);
    }

    @Test
    void aTimerWhoseWaitersWereWokenMeanwhileTellsNoLateness() throws Exception {
        long at = System.currentTimeMillis() + 100;
        onLane(w -> {
            w.await("p", "q", () -> ran.add("woken"), at);
            w.wake("p", "q"); // a post freed a message before the expiry
        });
        sleepUntil(at + 200);
        onLane(w -> { }); // the timer's task, queued on the lane by now, has run
        assertThat(ran).containsExactly("woken");
        assertThat(lateness).isEmpty();
    }

    private static void sleepUntil(long epochMillis) {
        try {
            for (long left; (left = epochMillis - System.currentTimeMillis()) > 0; ) {
                Thread.sleep(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void wakeAllRunsEveryQueuesWaiters() throws Exception {
        onLane(w -> {
            w.await("p", "q1", () -> ran.add("1"), Long.MAX_VALUE);
            w.await("p", "q2", () -> ran.add("2"), Long.MAX_VALUE);
            w.wakeAll();
        });
        assertThat(ran).containsExactlyInAnyOrder("1", "2");
        assertThat(waiters.count().get(10, TimeUnit.SECONDS)).isZero();
    }
}
