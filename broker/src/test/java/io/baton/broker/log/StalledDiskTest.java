package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that stops answering (an fsync that neither returns nor fails) is reported, and new
 * growth is refused, once a journal commit has run past the threshold; when the disk answers
 * again, the waiting appends complete and the report goes, by themselves. Whichever thread runs
 * the commit: the flusher's, or an event loop that borrowed it. And a slow disk's commits are not
 * borrowed: after a slow one, the event loops leave them to the flusher until one is quick again.
 */
class StalledDiskTest {
    @TempDir
    Path dir;

    @Test
    void aHungFsyncOnTheFlushersThreadIsReportedAndRecoversByItself() throws Exception {
        hangAndRecover(null);
    }

    @Test
    void aHungFsyncOnABorrowingEventLoopIsReportedAndRecoversByItself() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));
        try {
            hangAndRecover(loop);
        } finally {
            loop.shutdownNow();
        }
    }

    private void hangAndRecover(ExecutorService loop) throws Exception {
        FaultyDisk disk = new FaultyDisk();
        List<String> committers = new CopyOnWriteArrayList<>();
        AtomicBoolean lastQuick = new AtomicBoolean();
        FlushListener recording = (nanos, records, bytes) -> {
            committers.add(Thread.currentThread().getName());
            lastQuick.set(nanos <= LogFlusher.SLOW_COMMIT_NANOS);
        };
        FileSlotLogFactory logs = new FileSlotLogFactory(dir, recording, 1 << 20, 1 << 20, disk,
                new FileSlotLogFactory.Space(0, 0));
        String committer = loop == null ? "log-flusher-0" : "event-loop";
        Executor previous = CommitBorrowing.allow(loop);
        try (logs; SlotLog log = logs.open(3, 1)) {
            // Until a quick commit ran on the thread under test, so that the next one does too (the
            // journal's first commit, which makes its segment, may be slow enough to keep the next
            // one on the flusher's thread).
            long last = -1;
            for (int i = 0; i < 50 && !(lastQuick.get() && committers.get(committers.size() - 1).equals(committer)); i++) {
                last = appendWhenIdle(logs.flusher(), log, "before-" + i);
            }
            assertThat(committers.get(committers.size() - 1)).isEqualTo(committer);
            assertThat(logs.storageProblem()).isNull();
            assertThat(logs.writeRefusal()).isNull();

            CountDownLatch answer = disk.hangForces(FaultyDisk.under("journal"));
            committers.clear();
            CompletableFuture<Long> waiting = appendWhenIdleAsync(logs.flusher(), log, "during");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> logs.storageProblem() != null);
            assertThat(waiting).isNotDone();
            assertThat(logs.storageProblem()).contains("has not finished a journal commit for");
            assertThat(logs.writeRefusal()).contains("new messages are refused");
            assertThat(logs.commitRunningNanos()).isGreaterThanOrEqualTo(FileSlotLogFactory.STALLED_COMMIT_NANOS);

            answer.countDown();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(last + 1);
            assertThat(committers).as("the thread that ran the hung commit").startsWith(committer);
            assertThat(logs.storageProblem()).isNull();
            assertThat(logs.writeRefusal()).isNull();
            assertThat(logs.commitRunningNanos()).isZero();
            log.append("after".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        } finally {
            CommitBorrowing.allow(previous);
        }
    }

    @Test
    void afterASlowCommitTheEventLoopsLeaveCommitsToTheFlusherUntilOneIsQuickAgain() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));
        FaultyDisk disk = new FaultyDisk();
        List<String> committers = new CopyOnWriteArrayList<>();
        FlushListener recording = (nanos, records, bytes) -> committers.add(Thread.currentThread().getName());
        Executor previous = CommitBorrowing.allow(loop);
        try (LogFlusher flusher = new LogFlusher("slow-disk", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES, disk),
                recording, disk);
             FileSlotLog log = FileSlotLog.open(dir.resolve("slot"), 1, flusher)) {
            appendWhenIdle(flusher, log, "quick");

            // An fsync held for well past the threshold, then let through (whichever thread ran it).
            CountDownLatch answer = disk.hangForces(FaultyDisk.under("journal"));
            CompletableFuture<Long> slow = appendWhenIdleAsync(flusher, log, "slow");
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(LogFlusher.SLOW_COMMIT_NANOS) * 5);
            answer.countDown();
            slow.get(10, TimeUnit.SECONDS);

            // The next commit is the flusher's own, although it is idle and the loop could borrow it.
            committers.clear();
            appendWhenIdle(flusher, log, "after");
            assertThat(committers).containsExactly("slow-disk-0");

            // Once a commit was quick, the loop borrows again (a commit on a busy test machine may
            // itself be slow: then the next one waits for a quick one too).
            for (int i = 0; i < 50 && !committers.contains("event-loop"); i++) {
                appendWhenIdle(flusher, log, "again-" + i);
            }
            assertThat(committers).contains("event-loop");
        } finally {
            CommitBorrowing.allow(previous);
            loop.shutdownNow();
        }
    }

    /** Appends once the flusher's thread is idle (only then may an event loop borrow the commit). */
    private static CompletableFuture<Long> appendWhenIdleAsync(LogFlusher flusher, SlotLog log, String record) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(flusher::idle);
        return log.append(record.getBytes(StandardCharsets.UTF_8));
    }

    private static long appendWhenIdle(LogFlusher flusher, SlotLog log, String record) throws Exception {
        return appendWhenIdleAsync(flusher, log, record).get(10, TimeUnit.SECONDS);
    }
}
