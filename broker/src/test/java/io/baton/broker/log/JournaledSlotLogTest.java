package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract for slot logs made durable by the shared journal (the broker's default), plus what
 * the journal is for: records acknowledged while only the journal was fsynced survive the loss of
 * the slot file's unsynced tail (a power cut), and the journal is trimmed once slot files are
 * synced.
 */
class JournaledSlotLogTest extends SlotLogContract {
    private final List<LogFlusher> flushers = new ArrayList<>();
    /** Where power-cut copies of {@link #dir} go (not inside it, and cleaned up like it). */
    @TempDir
    Path copies;

    private LogFlusher flusher(Path root, long journalSegmentBytes) throws IOException {
        LogFlusher f = new LogFlusher("test-journal", Journal.open(root.resolve("journal"), journalSegmentBytes), FlushListener.NONE);
        flushers.add(f);
        return f;
    }

    private LogFlusher shared;

    @Override
    protected SlotLog open() throws Exception {
        if (shared == null) {
            shared = flusher(dir, Journal.DEFAULT_SEGMENT_BYTES);
        }
        return FileSlotLog.open(dir.resolve("slot"), 7, shared, 1 << 20);
    }

    @AfterEach
    void stopFlushers() {
        flushers.forEach(LogFlusher::close);
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static void appendDurably(SlotLog log, int from, int to) throws Exception {
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(log.append(bytes("record-" + i)));
        }
        for (CompletableFuture<Long> a : acks) {
            a.get(10, TimeUnit.SECONDS);
        }
    }

    /** The disk as a power cut would leave it: a copy, with the slot file's unsynced bytes gone. */
    private Path powerCutCopy(long keepSlotBytes) throws IOException {
        Path copy = Files.createTempDirectory(copies, "after-power-cut");
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        Path seg = files(copy.resolve("slot"), ".log").get(0);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(keepSlotBytes);
        }
        return copy;
    }

    @Test
    void acknowledgedRecordsMissingFromTheSlotFileComeBackFromTheJournal() throws Exception {
        SlotLog log = open();
        appendDurably(log, 0, 50);
        Path copy = powerCutCopy(100); // a torn first frames, the rest never written
        try (SlotLog reopened = reopenIn(copy)) {
            Replayed r = replay(reopened);
            assertThat(r.records()).hasSize(50).first().isEqualTo("record-0");
            assertThat(r.records()).last().isEqualTo("record-49");
            assertThat(reopened.append(bytes("after")).get(10, TimeUnit.SECONDS)).isEqualTo(50L);
        }
        log.close();
    }

    @Test
    void recordsHeldBackFromTheSlotFileComeBackFromTheJournalAfterAProcessCrash() throws Exception {
        SlotLog log = openPastTheFirstForce();
        long firstRecordOnly = bytesIn(dir.resolve("slot"));
        appendDurably(log, 1, 50);
        // The disk as a killed process leaves it: whatever was written, nothing more.
        Path copy = Files.createTempDirectory(copies, "after-kill");
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        assertThat(bytesIn(copy.resolve("slot"))).isEqualTo(firstRecordOnly);
        try (SlotLog reopened = reopenIn(copy)) {
            assertThat(replay(reopened).records()).hasSize(50).last().isEqualTo("record-49");
        }
        // The open log replays everything too: a replay first writes out what it held back.
        assertThat(replay(log).records()).hasSize(50).last().isEqualTo("record-49");
        log.close();
    }

    @Test
    void afterACleanCloseTheSlotFilesHoldEveryRecordWithoutTheJournal() throws Exception {
        SlotLog log = openPastTheFirstForce();
        appendDurably(log, 1, 11); // held back from the slot file
        long covered = log.lastPosition();
        log.checkpoint(covered, bytes("state")); // covers them and ends the open segment
        appendDurably(log, 11, 16);
        log.close();
        Path copy = Files.createTempDirectory(copies, "slot-files-only");
        FileUtils.copyDirectory(dir.resolve("slot").toFile(), copy.resolve("slot").toFile());
        try (SlotLog reopened = reopenIn(copy)) {
            Replayed r = replay(reopened);
            assertThat(r.snapshotPosition()).isEqualTo(covered);
            assertThat(r.positions()).containsExactly(covered + 1, covered + 2, covered + 3, covered + 4, covered + 5);
        }
    }

    @Test
    void aFailedSlotFileWriteStopsTheLogAndIsNeverRetried() throws Exception {
        SlotLog log = openPastTheFirstForce();
        appendDurably(log, 1, 11); // acknowledged: in the journal, held back from the slot file
        // A write error on the open segment (as a full or failing disk gives): close its channel.
        java.lang.reflect.Field current = FileSlotLog.class.getDeclaredField("current");
        current.setAccessible(true);
        ((java.nio.channels.FileChannel) current.get(log)).close();
        assertThatThrownBy(() -> replay(log)).isInstanceOf(IOException.class);
        // Part of the run may have reached the file: a second attempt would repeat frames.
        assertThatThrownBy(() -> replay(log)).isInstanceOf(IOException.class).hasMessageContaining("an earlier write");
        assertThatThrownBy(() -> log.append(bytes("refused")).get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SlotLogException.class);
        // What was acknowledged comes back from the journal.
        Path copy = Files.createTempDirectory(copies, "after-write-error");
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        try (SlotLog reopened = reopenIn(copy)) {
            assertThat(replay(reopened).records()).hasSize(11).last().isEqualTo("record-10");
        }
    }

    /**
     * The log with record-0 durable and written to its slot file. The journal's first commit
     * starts its first segment, after which the slot files are forced in the background: that
     * writes out the first record. Later commits are held back until a batch gathers, the journal
     * rolls again or the log is replayed, checkpointed or closed.
     */
    private SlotLog openPastTheFirstForce() throws Exception {
        SlotLog log = open();
        appendDurably(log, 0, 1);
        Path slotDir = dir.resolve("slot");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> bytesIn(slotDir) > 0);
        return log;
    }

    /** Opens the slot log of a copied data directory, with the copy's own journal. */
    private SlotLog reopenIn(Path copy) throws Exception {
        return FileSlotLog.open(copy.resolve("slot"), 7, flusher(copy, Journal.DEFAULT_SEGMENT_BYTES), 1 << 20);
    }

    private static long bytesIn(Path slotDir) throws IOException {
        long bytes = 0;
        for (Path seg : files(slotDir, ".log")) {
            bytes += Files.size(seg);
        }
        return bytes;
    }

    @Test
    void recordsOfOtherSlotsInTheJournalAreLeftForThem() throws Exception {
        LogFlusher f = flusher(dir, Journal.DEFAULT_SEGMENT_BYTES);
        SlotLog a = FileSlotLog.open(dir.resolve("a"), 1, f, 1 << 20);
        SlotLog b = FileSlotLog.open(dir.resolve("b"), 2, f, 1 << 20);
        appendDurably(a, 0, 10);
        appendDurably(b, 0, 20);
        Path copy = Files.createTempDirectory(copies, "copy");
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        FileUtils.deleteDirectory(copy.resolve("a").toFile());
        FileUtils.deleteDirectory(copy.resolve("b").toFile());
        LogFlusher f2 = flusher(copy, Journal.DEFAULT_SEGMENT_BYTES);
        try (SlotLog a2 = FileSlotLog.open(copy.resolve("a"), 1, f2, 1 << 20);
             SlotLog b2 = FileSlotLog.open(copy.resolve("b"), 2, f2, 1 << 20)) {
            assertThat(replay(a2).records()).hasSize(10);
            assertThat(replay(b2).records()).hasSize(20).last().isEqualTo("record-19");
        }
        a.close();
        b.close();
    }

    @Test
    void aTornJournalTailIsCut() throws Exception {
        SlotLog log = open();
        appendDurably(log, 0, 5);
        log.close();
        Path journal = files(dir.resolve("journal"), ".jnl").get(0);
        long intact = Files.size(journal);
        Files.write(journal, new byte[] {0, 0, 1, 0, 9, 9}, java.nio.file.StandardOpenOption.APPEND);
        LogFlusher f2 = flusher(dir, Journal.DEFAULT_SEGMENT_BYTES);
        try (SlotLog reopened = FileSlotLog.open(dir.resolve("slot"), 7, f2, 1 << 20)) {
            assertThat(replay(reopened).records()).hasSize(5);
        }
        assertThat(Files.size(journal)).isEqualTo(intact);
    }

    @Test
    void theJournalIsTrimmedOnceSlotFilesAreSynced() throws Exception {
        LogFlusher f = flusher(dir, 4096);
        try (SlotLog log = FileSlotLog.open(dir.resolve("slot"), 7, f, 1 << 20)) {
            for (int round = 0; round < 40; round++) {
                appendDurably(log, round * 20, round * 20 + 20);
            }
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> files(dir.resolve("journal"), ".jnl").size() <= 2);
            // The slot file now holds what the deleted journal segments held: a power cut loses nothing.
            Path copy = Files.createTempDirectory(copies, "copy");
            FileUtils.copyDirectory(dir.toFile(), copy.toFile());
            try (SlotLog reopened = FileSlotLog.open(copy.resolve("slot"), 7, flusher(copy, 4096), 1 << 20)) {
                assertThat(replay(reopened).records()).hasSize(800);
            }
        }
    }

    @Test
    void aGapBetweenTheSlotFileAndTheJournalIsRefusedNotHidden() throws Exception {
        LogFlusher f = flusher(dir, 4096);
        SlotLog log = FileSlotLog.open(dir.resolve("slot"), 7, f, 1 << 20);
        for (int round = 0; round < 40; round++) {
            appendDurably(log, round * 20, round * 20 + 20);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> files(dir.resolve("journal"), ".jnl").size() <= 2);
        log.close();
        // Lose synced slot data too (a broken disk, not a power cut): the journal no longer covers it.
        Path seg = files(dir.resolve("slot"), ".log").get(0);
        try (RandomAccessFile raf = new RandomAccessFile(seg.toFile(), "rw")) {
            raf.setLength(0);
        }
        LogFlusher f2 = flusher(dir, 4096);
        assertThatThrownBy(() -> FileSlotLog.open(dir.resolve("slot"), 7, f2, 1 << 20))
                .isInstanceOf(IOException.class).hasMessageContaining("missing");
    }
}
