package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that stops answering (an fsync that neither returns nor fails) is reported, and new
 * growth is refused, once a journal commit has run past the threshold; when the disk answers
 * again, the waiting appends complete and the report goes, by themselves. Whichever thread runs
 * the commit: the flusher's, or an event loop that borrowed it.
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
        FileSlotLogFactory logs = new FileSlotLogFactory(dir, FlushListener.NONE, 1 << 20, 1 << 20, disk,
                new FileSlotLogFactory.Space(0, 0));
        Executor previous = CommitBorrowing.allow(loop);
        try (logs; SlotLog log = logs.open(3, 1)) {
            log.append("before".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(logs.storageProblem()).isNull();
            assertThat(logs.writeRefusal()).isNull();

            CountDownLatch answer = disk.hangForces(FaultyDisk.under("journal"));
            CompletableFuture<Long> waiting = log.append("during".getBytes(StandardCharsets.UTF_8));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> logs.storageProblem() != null);
            assertThat(waiting).isNotDone();
            assertThat(logs.storageProblem()).contains("has not finished a journal commit for");
            assertThat(logs.writeRefusal()).contains("new messages are refused");
            assertThat(logs.commitRunningNanos()).isGreaterThanOrEqualTo(FileSlotLogFactory.STALLED_COMMIT_NANOS);

            answer.countDown();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(logs.storageProblem()).isNull();
            assertThat(logs.writeRefusal()).isNull();
            assertThat(logs.commitRunningNanos()).isZero();
            log.append("after".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        } finally {
            CommitBorrowing.allow(previous);
        }
    }
}
