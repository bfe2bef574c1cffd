package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole contract and journal suite of {@link FileSlotLogTest}, with the test's thread
 * appending as an event loop does ({@link CommitBorrowing}): its commits run on an executor
 * standing for the loop. Then what borrowing adds: the commit runs there, and an event loop that
 * refuses or never runs the task holds nothing up for longer than the flusher's wake-up.
 */
class FileSlotLogBorrowedCommitTest extends FileSlotLogTest {
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));
    private Executor previous;

    @BeforeEach
    void borrow() {
        previous = CommitBorrowing.allow(loop);
    }

    @AfterEach
    void stopBorrowing() {
        CommitBorrowing.allow(previous);
        loop.shutdownNow();
    }

    /** A flusher over this test's directory whose listener records the threads that committed. */
    private LogFlusher recordingFlusher(Set<String> committers) throws Exception {
        return recordingFlusher(committers, new ConcurrentHashMap<>());
    }

    private LogFlusher recordingFlusher(Set<String> committers, ConcurrentHashMap<String, Integer> commits) throws Exception {
        return new LogFlusher("borrowing-test", Journal.open(dir.resolve("journal-" + System.identityHashCode(committers)),
                Journal.DEFAULT_SEGMENT_BYTES, Disk.REAL), (nanos, records, bytes) -> {
                    committers.add(Thread.currentThread().getName());
                    commits.merge(Thread.currentThread().getName(), 1, Integer::sum);
                });
    }

    /** Commits are borrowed only from an idle flusher: a new one's thread may not have parked yet. */
    private static void awaitIdle(LogFlusher flusher) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(flusher::idle);
    }

    private static void appendAll(SlotLog log, int n) throws Exception {
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acks.add(log.append(bytes("r" + i)));
        }
        for (int i = 0; i < n; i++) {
            assertThat(acks.get(i).get(10, TimeUnit.SECONDS)).isEqualTo((long) i);
        }
    }

    @Test
    void anAppendingEventLoopCommitsItself() throws Exception {
        Set<String> committers = ConcurrentHashMap.newKeySet();
        ConcurrentHashMap<String, Integer> commits = new ConcurrentHashMap<>();
        try (LogFlusher flusher = recordingFlusher(committers, commits);
             FileSlotLog log = FileSlotLog.open(dir.resolve("own"), 1, flusher)) {
            awaitIdle(flusher);
            for (int i = 0; i < 20; i++) {
                log.append(bytes("lone-" + i)).get(10, TimeUnit.SECONDS);
                // A lone request's next one comes after a round trip, when this commit has ended;
                // one made at once, while it is still completing, is the flusher's to take.
                Thread.sleep(2);
            }
        }
        // The flusher's own thread commits only if its 100 ms wake-up meets an append in the
        // microseconds before the loop runs the task: at most a few times here.
        assertThat(commits.getOrDefault("event-loop", 0)).as("commits by thread: %s", commits).isGreaterThanOrEqualTo(15);
    }

    @Test
    void aLoopThatRefusesTheTaskLeavesTheCommitToTheFlusher() throws Exception {
        CommitBorrowing.allow(task -> {
            throw new RejectedExecutionException("shutting down");
        });
        Set<String> committers = ConcurrentHashMap.newKeySet();
        try (LogFlusher flusher = recordingFlusher(committers);
             FileSlotLog log = FileSlotLog.open(dir.resolve("refused"), 2, flusher)) {
            appendAll(log, 50);
        }
        assertThat(committers).containsExactly("borrowing-test-0");
    }

    @Test
    void aLoopThatNeverRunsTheTaskDelaysAppendsOnlyUntilTheFlusherWakes() throws Exception {
        List<Runnable> dropped = new ArrayList<>();
        CommitBorrowing.allow(dropped::add); // queued, never run: a stuck or dying event loop
        Set<String> committers = ConcurrentHashMap.newKeySet();
        try (LogFlusher flusher = recordingFlusher(committers);
             FileSlotLog log = FileSlotLog.open(dir.resolve("stuck"), 3, flusher)) {
            awaitIdle(flusher);
            long t0 = System.nanoTime();
            appendAll(log, 5);
            log.append(bytes("after")).get(10, TimeUnit.SECONDS);
            log.append(bytes("and after")).get(10, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
        }
        assertThat(committers).containsExactly("borrowing-test-0");
        assertThat(dropped).isNotEmpty();
    }

    @Test
    void borrowingAndNonBorrowingWritersShareCommitsWithoutLosingOrder() throws Exception {
        Set<String> committers = ConcurrentHashMap.newKeySet();
        try (LogFlusher flusher = recordingFlusher(committers)) {
            List<FileSlotLog> logs = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            // The first borrowing writer's first batch goes alone, to an idle flusher, so that both
            // paths surely commit; the others start once it is durable.
            java.util.concurrent.CountDownLatch firstBatch = new java.util.concurrent.CountDownLatch(1);
            awaitIdle(flusher);
            for (int s = 0; s < 4; s++) {
                int writer = s;
                FileSlotLog log = FileSlotLog.open(dir.resolve("mixed-" + s), 10 + s, flusher);
                logs.add(log);
                ExecutorService ownLoop = s % 2 == 0 ? Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop")) : null;
                Thread t = new Thread(() -> {
                    CommitBorrowing.allow(ownLoop);
                    try {
                        if (writer != 0) {
                            firstBatch.await();
                        }
                        for (int batch = 0; batch < 40; batch++) {
                            List<CompletableFuture<Long>> acks = new ArrayList<>();
                            for (int i = 0; i < 1 + batch % 7; i++) {
                                acks.add(log.append(bytes("w" + batch + "-" + i)));
                            }
                            long last = -1;
                            for (CompletableFuture<Long> a : acks) {
                                long p = a.get(10, TimeUnit.SECONDS);
                                assertThat(p).isGreaterThan(last);
                                last = p;
                            }
                            firstBatch.countDown();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                        firstBatch.countDown();
                    } finally {
                        if (ownLoop != null) {
                            ownLoop.shutdown();
                        }
                    }
                });
                writers.add(t);
                t.start();
            }
            for (Thread t : writers) {
                t.join(60_000);
            }
            assertThat(failures).isEmpty();
            logs.forEach(FileSlotLog::close);
            for (int s = 0; s < 4; s++) {
                try (FileSlotLog reopened = FileSlotLog.open(dir.resolve("mixed-" + s), 10 + s, flusher)) {
                    Replayed r = replay(reopened);
                    assertThat(r.records()).hasSize(155); // the sum over the batches of 1 + batch % 7
                    assertThat(r.positions()).isSorted().doesNotHaveDuplicates();
                }
            }
        }
        assertThat(committers).contains("event-loop");
    }
}
