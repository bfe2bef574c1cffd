package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SlotLaneTest {
    private final SlotLane lane = new SlotLane("lane-under-test");

    private boolean borrowingBefore;

    @BeforeEach
    void mayBorrow() {
        borrowingBefore = SlotLane.allowBorrowing(true);
    }

    @AfterEach
    void close() {
        SlotLane.allowBorrowing(borrowingBefore);
        lane.close();
    }

    @Test
    void anIdleLaneRunsACommandOnTheCallersThread() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        lane.executeHere(() -> ranOn.set(Thread.currentThread()));
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    }

    @Test
    void aThreadThatMayNotBorrowHandsItsCommandToTheLaneThread() throws Exception {
        SlotLane.allowBorrowing(false);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        lane.executeHere(() -> {
            ranOn.set(Thread.currentThread());
            done.countDown();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get().getName()).isEqualTo("lane-under-test");
    }

    @Test
    void borrowingIsPerThread() throws Exception {
        AtomicReference<Boolean> elsewhere = new AtomicReference<>();
        Thread t = new Thread(() -> elsewhere.set(SlotLane.allowBorrowing(false)));
        t.start();
        t.join();
        assertThat(elsewhere.get()).isFalse();
        assertThat(SlotLane.allowBorrowing(true)).isTrue();
    }

    @Test
    void ownThreadTasksNeverRunOnTheCaller() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        lane.execute(() -> {
            ranOn.set(Thread.currentThread());
            done.countDown();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ranOn.get().getName()).isEqualTo("lane-under-test");
    }

    @Test
    void aCommandQueuedBehindAnOwnThreadTaskWaitsForItAndRunsOnTheLaneThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new ArrayList<>();
        AtomicReference<Thread> commandThread = new AtomicReference<>();
        lane.execute(() -> {
            awaitLatch(release);
            order.add("replay");
        });
        lane.executeHere(() -> {
            order.add("command");
            commandThread.set(Thread.currentThread());
        });
        assertThat(commandThread.get()).isNull(); // queued, not run by the caller
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> commandThread.get() != null);
        assertThat(order).containsExactly("replay", "command");
        assertThat(commandThread.get().getName()).isEqualTo("lane-under-test");
    }

    @Test
    void aTaskThatQueuesOnItsOwnLaneIsNotReentered() {
        List<String> order = new ArrayList<>();
        lane.executeHere(() -> {
            order.add("outer start");
            lane.executeHere(() -> order.add("inner"));
            order.add("outer end");
        });
        assertThat(order).containsExactly("outer start", "outer end", "inner");
    }

    @Test
    void aBorrowerHandsTheRestToTheLaneThreadAfterItsBudget() throws Exception {
        int tasks = SlotLane.BORROW_BUDGET * 3;
        List<Thread> ranOn = new ArrayList<>();
        CountDownLatch all = new CountDownLatch(tasks);
        lane.executeHere(() -> {
            // queued while this borrower holds the lane: it runs them, up to its budget
            for (int i = 0; i < tasks - 1; i++) {
                lane.executeHere(() -> {
                    ranOn.add(Thread.currentThread());
                    all.countDown();
                });
            }
            ranOn.add(Thread.currentThread());
            all.countDown();
        });
        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == tasks);
        assertThat(ranOn.subList(0, SlotLane.BORROW_BUDGET)).containsOnly(Thread.currentThread());
        assertThat(ranOn.subList(SlotLane.BORROW_BUDGET, tasks)).allMatch(t -> t.getName().equals("lane-under-test"));
    }

    @Test
    void tasksFromManyThreadsRunOneAtATimeInTheOrderEachThreadQueuedThem() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] counter = {0}; // unsynchronized on purpose: the lane alone must order the increments
        int[][] lastSeen = new int[threads][1];
        AtomicInteger outOfOrder = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread p = new Thread(() -> {
                SlotLane.allowBorrowing(id % 2 == 0); // half borrow, half hand over
                awaitBarrier(start);
                for (int i = 1; i <= perThread; i++) {
                    int seq = i;
                    Runnable task = () -> {
                        if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0]++;
                        if (lastSeen[id][0] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[id][0] = seq;
                        running.decrementAndGet();
                    };
                    if (seq % 10 == 0) {
                        lane.execute(task);
                    } else {
                        while (true) {
                            try {
                                lane.executeHere(task);
                                break;
                            } catch (SlotLane.LaneFullException full) {
                                Thread.yield(); // a bounded lane: come back once it has room
                            }
                        }
                    }
                }
            });
            p.start();
            producers.add(p);
        }
        for (Thread p : producers) {
            p.join();
        }
        CountDownLatch drained = new CountDownLatch(1);
        lane.execute(drained::countDown);
        assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();
        int[] total = new int[1];
        CountDownLatch read = new CountDownLatch(1);
        lane.execute(() -> {
            total[0] = counter[0];
            read.countDown();
        });
        assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(total[0]).isEqualTo(threads * perThread);
        assertThat(overlaps.get()).isZero();
        assertThat(outOfOrder.get()).isZero();
    }

    @Test
    void aFailingTaskDoesNotStopTheLane() {
        lane.executeHere(() -> {
            throw new IllegalStateException("boom");
        });
        AtomicInteger ran = new AtomicInteger();
        lane.executeHere(ran::incrementAndGet);
        assertThat(ran.get()).isEqualTo(1);
    }

    @Test
    void aClosedLaneRefusesWork() {
        lane.close();
        assertThatThrownBy(() -> lane.executeHere(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> lane.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitBarrier(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFullLaneRefusesCommandsButNeverItsOwnTasks() throws Exception {
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        lane.execute(() -> {
            holding.countDown();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < SlotLane.MAX_QUEUED; i++) {
            lane.executeHere(ran::incrementAndGet);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lane.executeHere(ran::incrementAndGet))
                .isInstanceOf(SlotLane.LaneFullException.class);
        lane.execute(ran::incrementAndGet); // timers and recovery are never refused
        hold.countDown();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> ran.get() == SlotLane.MAX_QUEUED + 1);
        lane.executeHere(ran::incrementAndGet); // room again
    }
}
