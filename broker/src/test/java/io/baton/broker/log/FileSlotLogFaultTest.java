package io.baton.broker.log;

import static io.baton.broker.log.SlotLogContract.bytes;
import static io.baton.broker.log.SlotLogContract.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.log.FaultyDisk.Op;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage faults injected into running logs ({@link FaultyDisk}): ENOSPC and EIO on write and on
 * fsync, and writes that stop part way, in the journal, the slot files and the snapshots, while
 * other slots keep committing. After every fault: no record appended after it was acknowledged
 * by the log it hit, and once reopened on a healthy disk, every log holds every record it
 * acknowledged, at its position.
 */
class FileSlotLogFaultTest {
    private static final int SLOTS = 4;

    @TempDir
    Path dir;

    private final FileLogs logs = new FileLogs();
    private final FaultyDisk disk = new FaultyDisk();

    /** The event loop the even slots' writers commit on ({@link CommitBorrowing}); null: none borrows. */
    protected java.util.concurrent.Executor eventLoop() {
        return null;
    }

    @AfterEach
    void stop() {
        logs.close();
    }

    /** One writer per slot, appending "<n>" as record n without waiting, recording what was acknowledged. */
    private static final class Writers implements AutoCloseable {
        final List<ConcurrentSkipListSet<Long>> acked = new ArrayList<>();
        final List<ConcurrentSkipListSet<Long>> refused = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);

        Writers(List<? extends SlotLog> logs, java.util.concurrent.Executor eventLoop) {
            for (int s = 0; s < logs.size(); s++) {
                SlotLog log = logs.get(s);
                ConcurrentSkipListSet<Long> ok = new ConcurrentSkipListSet<>();
                ConcurrentSkipListSet<Long> no = new ConcurrentSkipListSet<>();
                acked.add(ok);
                refused.add(no);
                boolean borrows = s % 2 == 0;
                Thread t = new Thread(() -> {
                    if (borrows) {
                        CommitBorrowing.allow(eventLoop);
                    }
                    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(64);
                    // A refused slot stays refused: its writer stops.
                    for (long n = log.lastPosition() + 1; running.get() && no.isEmpty(); n++) {
                        window.acquireUninterruptibly();
                        long record = n;
                        log.append(bytes(Long.toString(n))).whenComplete((p, e) -> {
                            if (e == null) {
                                if (p != record) {
                                    throw new AssertionError("record " + record + " acknowledged at position " + p);
                                }
                                ok.add(record);
                            } else {
                                no.add(record);
                            }
                            window.release();
                        });
                    }
                    window.acquireUninterruptibly(64);
                }, "writer-" + s);
                threads.add(t);
                t.start();
            }
        }

        /** Waits until every slot in {@code slots} has at least {@code more} more acknowledgements than now. */
        void awaitProgress(int more, int... slots) {
            long[] from = new long[acked.size()];
            for (int s : slots) {
                from[s] = acked.get(s).size();
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (int s : slots) {
                    if (acked.get(s).size() < from[s] + more) {
                        return false;
                    }
                }
                return true;
            });
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(20_000);
            }
        }
    }

    private List<FileSlotLog> openAll(LogFlusher flusher) throws Exception {
        List<FileSlotLog> out = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            out.add(logs.open(dir, s, flusher));
        }
        return out;
    }

    private static int[] all() {
        int[] s = new int[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            s[i] = i;
        }
        return s;
    }

    /** No record after the first refused one was acknowledged, per slot. */
    private static void nothingAcknowledgedAfterAFault(Writers w) {
        for (int s = 0; s < SLOTS; s++) {
            if (!w.refused.get(s).isEmpty() && !w.acked.get(s).isEmpty()) {
                assertThat(w.acked.get(s).last()).as("slot %d: last acknowledged before first refused", s)
                        .isLessThan(w.refused.get(s).first());
            }
        }
    }

    /** Closes everything, reopens on a healthy disk and checks every acknowledged record is there. */
    private void reopenAndCheck(Writers w, List<FileSlotLog> open, LogFlusher flusher) throws Exception {
        open.forEach(FileSlotLog::close);
        flusher.close();
        disk.clear();
        LogFlusher healthy = logs.flusher(dir, 4096, Disk.REAL);
        for (int s = 0; s < SLOTS; s++) {
            FileSlotLog log = logs.open(dir, s, healthy);
            SlotLogContract.Replayed r = SlotLogContract.replay(log);
            List<Long> positions = r.positions();
            for (int i = 0; i < positions.size(); i++) {
                assertThat(positions.get(i)).as("slot %d positions", s).isEqualTo(i);
                assertThat(r.records().get(i)).isEqualTo(Long.toString(i));
            }
            long lastAcked = w.acked.get(s).isEmpty() ? -1 : w.acked.get(s).last();
            assertThat((long) positions.size() - 1).as("slot %d holds every acknowledged record", s).isGreaterThanOrEqualTo(lastAcked);
            assertThat(log.append(bytes("next")).get(10, TimeUnit.SECONDS)).isEqualTo((long) positions.size());
        }
    }

    /**
     * One journal fault under load: the slots with records in the failed commit are refused from
     * then on; the others go on committing through the repaired journal.
     */
    private void oneJournalFault(Op op, String message, int partialBytes) throws Exception {
        LogFlusher flusher = logs.flusher(dir, 4096, disk);
        List<FileSlotLog> open = openAll(flusher);
        Writers w = new Writers(open, eventLoop());
        w.awaitProgress(200, all());
        disk.inject(FaultyDisk.under("journal"), op, message, partialBytes, 1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> w.refused.stream().anyMatch(r -> !r.isEmpty()));
        int[] healthy = java.util.stream.IntStream.range(0, SLOTS).filter(s -> w.refused.get(s).isEmpty()).toArray();
        if (healthy.length > 0) {
            w.awaitProgress(200, healthy);
        }
        w.close();
        assertThat(disk.fired()).isEqualTo(1);
        nothingAcknowledgedAfterAFault(w);
        reopenAndCheck(w, open, flusher);
    }

    @Test
    void aFailedJournalWriteFailsOnlyItsCommitAndTheJournalGoesOn() throws Exception {
        oneJournalFault(Op.WRITE, FaultyDisk.ENOSPC, 700);
    }

    @Test
    void aFailedJournalFsyncIsNeverAcknowledged() throws Exception {
        oneJournalFault(Op.FORCE, FaultyDisk.EIO, 0);
    }

    @Test
    void whileTheJournalCannotBeCutBackNothingIsCommittedAndItResumesOnceItCan() throws Exception {
        LogFlusher flusher = logs.flusher(dir, 1 << 20, disk);
        List<FileSlotLog> open = openAll(flusher);
        Writers w = new Writers(open, eventLoop());
        w.awaitProgress(100, all());
        disk.inject(FaultyDisk.under("journal"), Op.TRUNCATE, FaultyDisk.EIO, 0, -1);
        disk.inject(FaultyDisk.under("journal"), Op.WRITE, FaultyDisk.EIO, 100, 1);
        // Every commit after the failed one is refused while the journal cannot be cut back.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> w.refused.stream().allMatch(r -> !r.isEmpty()));
        w.close();
        nothingAcknowledgedAfterAFault(w);
        // Once the disk is healthy again, the same journal cuts itself back and commits.
        disk.clear();
        open.get(0).close();
        FileSlotLog again = FileSlotLog.open(dir.resolve("slot-0"), 0, flusher, 1 << 20);
        long next = again.lastPosition() + 1;
        assertThat(again.append(bytes(Long.toString(next))).get(10, TimeUnit.SECONDS)).isEqualTo(next);
        again.close();
        reopenAndCheck(w, open, flusher);
    }

    @Test
    void aFailedSlotFileWriteStopsThatSlotOnlyAndTheJournalKeepsItsRecords() throws Exception {
        LogFlusher flusher = logs.flusher(dir, 4096, disk);
        List<FileSlotLog> open = openAll(flusher);
        Writers w = new Writers(open, eventLoop());
        w.awaitProgress(200, all());
        disk.inject(FaultyDisk.under("slot-1").and(FaultyDisk.named(".log")), Op.WRITE, FaultyDisk.EIO, 50, 1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !w.refused.get(1).isEmpty());
        open.get(1).close(); // as the broker does with a failed slot
        // The others go on, and the journal rolls and is trimmed many times meanwhile.
        w.awaitProgress(2000, 0, 2, 3);
        w.close();
        assertThat(w.refused.get(0)).isEmpty();
        nothingAcknowledgedAfterAFault(w);
        reopenAndCheck(w, open, flusher);
    }

    @Test
    void aFailedSlotFileFsyncStopsThatSlotOnlyAndTheJournalKeepsItsRecords() throws Exception {
        LogFlusher flusher = logs.flusher(dir, 4096, disk);
        List<FileSlotLog> open = openAll(flusher);
        Writers w = new Writers(open, eventLoop());
        w.awaitProgress(200, all());
        disk.inject(FaultyDisk.under("slot-2").and(FaultyDisk.named(".log")), Op.FORCE, FaultyDisk.EIO, 0, -1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !w.refused.get(2).isEmpty());
        open.get(2).close();
        w.awaitProgress(2000, 0, 1, 3);
        w.close();
        nothingAcknowledgedAfterAFault(w);
        reopenAndCheck(w, open, flusher);
    }

    @Test
    void aFailedSnapshotLeavesThePreviousOneAndTheLogGoesOn() throws Exception {
        LogFlusher flusher = logs.flusher(dir, 4096, disk);
        List<FileSlotLog> open = openAll(flusher);
        FileSlotLog log = open.get(0);
        FileLogs.appendDurably(log, 0, 10);
        log.checkpoint(9, state("state@9"));
        FileLogs.appendDurably(log, 10, 20);
        disk.inject(FaultyDisk.named(".snap.tmp"), Op.WRITE, FaultyDisk.ENOSPC, 3, 1);
        assertThatThrownBy(() -> log.checkpoint(19, state("state@19"))).hasMessageContaining(FaultyDisk.ENOSPC);
        disk.inject(FaultyDisk.named(".snap.tmp"), Op.FORCE, FaultyDisk.EIO, 0, 1);
        assertThatThrownBy(() -> log.checkpoint(19, state("state@19"))).hasMessageContaining(FaultyDisk.EIO);
        assertThat(log.append(bytes("20")).get(10, TimeUnit.SECONDS)).isEqualTo(20L);
        log.close();
        try (SlotLog again = logs.open(dir, 0, logs.flusher(dir))) {
            SlotLogContract.Replayed r = SlotLogContract.replay(again);
            assertThat(r.snapshotPosition()).isEqualTo(9);
            assertThat(new String(r.snapshot(), StandardCharsets.UTF_8)).isEqualTo("state@9");
            assertThat(r.positions()).first().isEqualTo(10L);
            assertThat(r.positions()).last().isEqualTo(20L);
        }
    }
}
