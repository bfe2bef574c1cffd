package io.baton.broker.log;

import static io.baton.broker.log.FileLogs.appendDurably;
import static io.baton.broker.log.FileLogs.bytesIn;
import static io.baton.broker.log.FileLogs.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract for slot logs on the local disk, plus what the shared journal is for: records
 * acknowledged while only the journal was fsynced survive the loss of the slot files' unsynced
 * tail (a power cut or a killed process), and the journal is trimmed once slot files are synced.
 */
class FileSlotLogTest extends SlotLogContract {
    private final FileLogs logs = new FileLogs();
    /** Where power-cut copies of {@link #dir} go (not inside it, and cleaned up like it). */
    @TempDir
    Path copies;

    private LogFlusher shared;

    @Override
    protected SlotLog open() throws Exception {
        if (shared == null) {
            shared = logs.flusher(dir);
        }
        return FileSlotLog.open(dir.resolve("slot"), 7, shared, 1 << 20);
    }

    @AfterEach
    void stop() {
        logs.close();
    }

    /** The disk as a power cut would leave it: a copy, with the slot file's unsynced bytes gone. */
    private Path powerCutCopy(long keepSlotBytes) throws IOException {
        Path copy = Files.createTempDirectory(copies, "after-power-cut");
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        Path seg = files(copy.resolve("slot"), ".log").get(0);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(keepSlotBytes);
        }
        Files.deleteIfExists(copy.resolve("slot").resolve("LOCK"));
        return copy;
    }

    /** A copy of the data directory as a killed process leaves it. */
    private Path copy(String name) throws IOException {
        Path copy = Files.createTempDirectory(copies, name);
        FileUtils.copyDirectory(dir.toFile(), copy.toFile());
        return copy;
    }

    /** Opens the slot log of a copied data directory, with the copy's own journal. */
    private SlotLog reopenIn(Path copy) throws Exception {
        return FileSlotLog.open(copy.resolve("slot"), 7, logs.flusher(copy), 1 << 20);
    }

    @Test
    void acknowledgedRecordsMissingFromTheSlotFileComeBackFromTheJournal() throws Exception {
        SlotLog log = open();
        appendDurably(log, 0, 50);
        log.close();
        Path copy = powerCutCopy(100); // torn first frames, the rest never reached the disk
        try (SlotLog reopened = reopenIn(copy)) {
            Replayed r = replay(reopened);
            assertThat(r.records()).hasSize(50).first().isEqualTo("record-0");
            assertThat(r.records()).last().isEqualTo("record-49");
            assertThat(reopened.append(bytes("after")).get(10, TimeUnit.SECONDS)).isEqualTo(50L);
        }
        // The torn bytes are kept aside, not deleted.
        assertThat(files(copy.resolve("slot").resolve("damaged"), "")).hasSize(1);
    }

    @Test
    void recordsHeldBackFromTheSlotFileComeBackFromTheJournalAfterAProcessCrash() throws Exception {
        SlotLog log = openPastTheFirstForce();
        long firstRecordOnly = bytesIn(dir.resolve("slot"));
        appendDurably(log, 1, 50);
        Path copy = copy("after-kill");
        assertThat(bytesIn(copy.resolve("slot"))).isEqualTo(firstRecordOnly);
        Files.delete(copy.resolve("slot").resolve("LOCK"));
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
        log.checkpoint(covered, state("state")); // covers them and ends the open segment
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

    @Test
    void recordsOfOtherSlotsInTheJournalAreLeftForThem() throws Exception {
        LogFlusher f = logs.flusher(dir);
        SlotLog a = logs.open(dir, 1, f);
        SlotLog b = logs.open(dir, 2, f);
        appendDurably(a, 0, 10);
        appendDurably(b, 0, 20);
        Path copy = copy("copy");
        FileUtils.deleteDirectory(copy.resolve("slot-1").toFile());
        FileUtils.deleteDirectory(copy.resolve("slot-2").toFile());
        LogFlusher f2 = logs.flusher(copy);
        assertThat(replay(logs.open(copy, 1, f2)).records()).hasSize(10);
        assertThat(replay(logs.open(copy, 2, f2)).records()).hasSize(20).last().isEqualTo("record-19");
    }

    @Test
    void aTornJournalTailIsCutAndKeptAside() throws Exception {
        Path journal = journalOfFiveRecords();
        long intact = dataEnd(journal);
        assertThat(Files.size(journal)).isGreaterThan(intact); // zeroed ahead
        // A commit torn by a crash: its first bytes reached the disk, the rest of the space is zeros.
        try (RandomAccessFile raf = new RandomAccessFile(journal.toFile(), "rw")) {
            raf.seek(intact);
            raf.write(new byte[] {0, 0, 1, 0, 9, 9});
        }
        // The journal alone first: a log's first commit may trim the old segment away.
        Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES).close();
        assertThat(Files.size(journal)).isEqualTo(intact);
        assertThat(files(dir.resolve("journal").resolve("damaged"), "")).hasSize(1);
        try (SlotLog reopened = open()) {
            assertThat(replay(reopened).records()).hasSize(5);
        }
    }

    @Test
    void spaceTheJournalZeroedAheadIsCutOffAtOpenNotKeptAside() throws Exception {
        Path journal = journalOfFiveRecords();
        long data = dataEnd(journal);
        assertThat(Files.size(journal)).isEqualTo(firstCommitBytes(journal) + Journal.PREALLOCATE_BYTES);
        Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES).close();
        assertThat(Files.size(journal)).isEqualTo(data);
        assertThat(dir.resolve("journal").resolve("damaged")).doesNotExist();
        try (SlotLog reopened = open()) {
            assertThat(replay(reopened).records()).hasSize(5).last().isEqualTo("record-4");
            assertThat(reopened.append(bytes("after")).get(10, TimeUnit.SECONDS)).isEqualTo(5L);
        }
    }

    @Test
    void zerosInsideAnEarlierJournalSegmentAreRefused() throws Exception {
        Path first = firstOfSeveralJournalSegments();
        Files.write(first, new byte[64], java.nio.file.StandardOpenOption.APPEND);
        long size = Files.size(first);
        assertThatThrownBy(() -> Journal.open(dir.resolve("journal"), 4096)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("before the last journal segment");
        assertThat(Files.size(first)).isEqualTo(size);
    }

    /** Writes records 0..4, closes the log and its journal, and returns the journal's one segment. */
    private Path journalOfFiveRecords() throws Exception {
        SlotLog log = open();
        appendDurably(log, 0, 5);
        log.close();
        shared.close();
        shared = null;
        return files(dir.resolve("journal"), ".jnl").get(0);
    }

    /** Writes records over several 4 KiB journal segments, all kept, and returns the first segment. */
    private Path firstOfSeveralJournalSegments() throws Exception {
        LogFlusher f = logs.flusher(dir, 4096, Disk.REAL);
        f.journal().hold(99, 0); // keep every journal segment
        SlotLog log = logs.open(dir, 7, f);
        log.append(bytes("x".repeat(5000))).get(10, TimeUnit.SECONDS);
        appendDurably(log, 0, 3);
        f.close();
        Path first = files(dir.resolve("journal"), ".jnl").get(0);
        assertThat(files(dir.resolve("journal"), ".jnl")).hasSizeGreaterThan(1);
        return first;
    }

    /** Where the journal segment's frames end: the byte after its last non-zero byte. */
    private static long dataEnd(Path journal) throws IOException {
        byte[] all = Files.readAllBytes(journal);
        int end = all.length;
        while (end > 0 && all[end - 1] == 0) {
            end--;
        }
        return end;
    }

    /** The first commit's bytes: the first frame's header and payload (its length is the frame's first int). */
    private static long firstCommitBytes(Path journal) throws IOException {
        byte[] all = Files.readAllBytes(journal);
        return java.nio.ByteBuffer.wrap(all).getInt(0) + Frames.JOURNAL.header;
    }

    @Test
    void damageBeforeTheLastJournalSegmentIsRefused() throws Exception {
        Path first = firstOfSeveralJournalSegments();
        try (RandomAccessFile raf = new RandomAccessFile(first.toFile(), "rw")) {
            raf.seek(100);
            raf.write(new byte[] {1, 2, 3, 4});
        }
        long size = Files.size(first);
        assertThatThrownBy(() -> Journal.open(dir.resolve("journal"), 4096)).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("before the last journal segment");
        assertThat(Files.size(first)).isEqualTo(size);
    }

    @Test
    void theJournalIsTrimmedOnceSlotFilesAreSynced() throws Exception {
        LogFlusher f = logs.flusher(dir, 4096, Disk.REAL);
        SlotLog log = logs.open(dir, 7, f);
        for (int round = 0; round < 40; round++) {
            appendDurably(log, round * 20, round * 20 + 20);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> files(dir.resolve("journal"), ".jnl").size() <= 2);
        // The slot file now holds what the deleted journal segments held: a power cut loses nothing.
        Path copy = copy("copy");
        Files.delete(copy.resolve("slot-7").resolve("LOCK"));
        assertThat(replay(logs.open(copy, 7, logs.flusher(copy, 4096, Disk.REAL))).records()).hasSize(800);
    }

    @Test
    void oneProcessAtATimeOwnsASlotDirectory() throws Exception {
        SlotLog log = open();
        assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("still open in this process");
        log.close();
        open().close();
    }

    @Test
    void segmentsRollAndCheckpointsDeleteTheCoveredOnes() throws Exception {
        try (SlotLog log = open()) {
            byte[] record = new byte[50_000];
            for (int i = 0; i < 100; i++) {
                log.append(record).get(10, TimeUnit.SECONDS);
            }
            log.sync().get(10, TimeUnit.SECONDS);
            replay(log); // writes out what is held, so the segments roll
            assertThat(((FileSlotLog) log).segmentCount()).isGreaterThan(3);
            log.checkpoint(log.lastPosition(), state("s"));
            assertThat(((FileSlotLog) log).segmentCount()).isZero();
            log.append(record).get(10, TimeUnit.SECONDS);
            replay(log);
            assertThat(((FileSlotLog) log).segmentCount()).isEqualTo(1);
        }
    }

    @Test
    void readingFromManySegmentsKeepsFewFilesOpen() throws Exception {
        try (SlotLog log = open()) {
            byte[] record = new byte[100_000];
            java.util.List<Long> addresses = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                record[7] = (byte) i;
                SlotLog.Appended a = log.appendLocated(record.clone());
                addresses.add(a.address());
                a.durable().get(10, TimeUnit.SECONDS);
            }
            assertThat(((FileSlotLog) log).segmentCount()).isGreaterThan(2 * SegmentFiles.OPEN_READERS);
            byte[] one = new byte[1];
            for (int i = 0; i < 200; i++) {
                log.read(addresses.get(i) + 7, one, 0, 1);
                assertThat(one[0]).isEqualTo((byte) i);
            }
            assertThat(((FileSlotLog) log).openReaders()).isLessThanOrEqualTo(SegmentFiles.OPEN_READERS);
        }
    }
}
