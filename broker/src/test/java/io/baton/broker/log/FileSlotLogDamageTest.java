package io.baton.broker.log;

import static io.baton.broker.log.FileLogs.appendDurably;
import static io.baton.broker.log.FileLogs.files;
import static io.baton.broker.log.SlotLogContract.bytes;
import static io.baton.broker.log.SlotLogContract.state;
import static io.baton.broker.log.SlotLogContract.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a slot log does with damaged files. Damage the journal can make good (a crash's unsynced
 * tail) is cut, kept aside and made good; any other damage (a bad checksum in synced data, a
 * missing segment, an unreadable snapshot) makes the log refuse to open and changes nothing.
 */
class FileSlotLogDamageTest {
    @TempDir
    Path dir;

    private final FileLogs logs = new FileLogs();

    @AfterEach
    void stop() {
        logs.close();
    }

    private Path slotDir() {
        return dir.resolve("slot-3");
    }

    /** Writes records 0..n-1 and closes the log; the journal keeps them (it never rolled). */
    private void writeRecords(int n) throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        appendDurably(log, 0, n);
        log.close();
        f.close();
    }

    /** Writes records 0..n-1, then removes the journal: the slot files alone hold them (synced at close). */
    private void writeRecordsWithoutJournal(int n) throws Exception {
        writeRecords(n);
        FileUtils.deleteDirectory(dir.resolve("journal").toFile());
    }

    private FileSlotLog reopen() throws IOException {
        return logs.open(dir, 3, logs.flusher(dir));
    }

    private Path lastSegment() throws IOException {
        var segs = files(slotDir(), ".log");
        return segs.get(segs.size() - 1);
    }

    /** Every file of the slot directory with its size: what "nothing changed" compares. */
    private Map<String, Long> snapshotOfFiles() throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(slotDir())) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(slotDir().relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    private static void flip(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5A);
        }
    }

    @Test
    void aTornTailTheJournalHoldsIsCutKeptAsideAndMadeGood() throws Exception {
        writeRecords(10);
        Path seg = lastSegment();
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(f.length() - 3);
        }
        try (SlotLog log = reopen()) {
            SlotLogContract.Replayed r = replay(log);
            assertThat(r.records()).hasSize(10).last().isEqualTo("record-9");
            assertThat(log.append(bytes("after")).get()).isEqualTo(10L);
        }
        assertThat(files(slotDir().resolve("damaged"), "")).hasSize(1);
    }

    @Test
    void aBadChecksumTheJournalCoversIsMadeGood() throws Exception {
        writeRecords(10);
        int frame = FileSlotLog.FRAME_HEADER + "record-0".length();
        flip(lastSegment(), 5L * frame + FileSlotLog.FRAME_HEADER + 2);
        try (SlotLog log = reopen()) {
            assertThat(replay(log).records()).hasSize(10).element(5).isEqualTo("record-5");
        }
    }

    @Test
    void aBadChecksumInSyncedDataIsRefusedAndNothingChanges() throws Exception {
        writeRecordsWithoutJournal(10);
        int frame = FileSlotLog.FRAME_HEADER + "record-0".length();
        flip(lastSegment(), 5L * frame + FileSlotLog.FRAME_HEADER + 2);
        Map<String, Long> before = snapshotOfFiles();
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class)
                .hasMessageContaining("checksum").hasMessageContaining("position 5");
        assertThat(snapshotOfFiles()).isEqualTo(before);
    }

    @Test
    void bytesPastEverythingAcknowledgedAreRefusedNotCut() throws Exception {
        writeRecordsWithoutJournal(3);
        Files.write(lastSegment(), new byte[] {0, 0, 0, 9, 1, 2}, java.nio.file.StandardOpenOption.APPEND);
        Map<String, Long> before = snapshotOfFiles();
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class);
        assertThat(snapshotOfFiles()).isEqualTo(before);
    }

    @Test
    void aMissingSegmentIsRefused() throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        byte[] record = new byte[100_000];
        for (int i = 0; i < 40; i++) {
            log.append(record).get();
        }
        log.close();
        f.close();
        FileUtils.deleteDirectory(dir.resolve("journal").toFile());
        var segs = files(slotDir(), ".log");
        assertThat(segs).hasSizeGreaterThan(2);
        Files.delete(segs.get(1));
        Map<String, Long> before = snapshotOfFiles();
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class).hasMessageContaining("missing");
        assertThat(snapshotOfFiles()).isEqualTo(before);
    }

    @Test
    void aDamagedOnlySnapshotIsRefusedAndKept() throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        appendDurably(log, 0, 20);
        log.checkpoint(19, state("the state after twenty records, long enough to damage in the middle"));
        log.close();
        f.close();
        Path snap = files(slotDir(), ".snap").get(0);
        flip(snap, Files.size(snap) / 2);
        Map<String, Long> before = snapshotOfFiles();
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class).hasMessageContaining("checksum");
        assertThat(snapshotOfFiles()).isEqualTo(before);
        assertThat(Files.exists(snap)).isTrue();
    }

    @Test
    void aNewerUnreadableSnapshotIsRefusedNotSkipped() throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        appendDurably(log, 0, 5);
        log.checkpoint(4, state("good"));
        log.close();
        f.close();
        Files.write(slotDir().resolve(String.format("snapshot-%020d.snap", 99)), new byte[] {1, 2, 3});
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class);
        assertThat(files(slotDir(), ".snap")).hasSize(2);
    }

    @Test
    void aSnapshotDamagedAfterOpenFailsTheReplay() throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        appendDurably(log, 0, 5);
        log.checkpoint(4, state("x".repeat(100_000)));
        log.close();
        FileSlotLog again = reopen();
        flip(files(slotDir(), ".snap").get(0), 50_000);
        assertThatThrownBy(() -> replay(again)).isInstanceOf(LogCorruptedException.class).hasMessageContaining("checksum");
    }

    @Test
    void aMissingSegmentTheSnapshotStillNeedsIsRefused() throws Exception {
        LogFlusher f = logs.flusher(dir);
        FileSlotLog log = logs.open(dir, 3, f);
        SlotLog.Appended first = log.appendLocated(bytes("a live body"));
        long body = first.address();
        first.durable().get();
        byte[] filler = new byte[100_000];
        for (int i = 0; i < 30; i++) {
            log.append(filler).get();
        }
        log.checkpoint(log.lastPosition(), (out, live) -> {
            out.write(bytes("state"));
            live.live(body, 11);
        });
        log.close();
        f.close();
        var segs = files(slotDir(), ".log");
        assertThat(segs).hasSize(1); // the rest held nothing live
        Files.delete(segs.get(0));
        Map<String, Long> before = snapshotOfFiles();
        assertThatThrownBy(this::reopen).isInstanceOf(LogCorruptedException.class).hasMessageContaining("live message bodies");
        assertThat(snapshotOfFiles()).isEqualTo(before);
    }

    @Test
    void segmentsOfTheFirstFormatAreGivenAddressesAndRead() throws Exception {
        writeRecords(5);
        Path seg = lastSegment();
        String name = seg.getFileName().toString();
        Files.move(seg, slotDir().resolve(name.substring(0, name.indexOf('-')) + ".log"));
        try (SlotLog log = reopen()) {
            SlotLogContract.Replayed r = replay(log);
            assertThat(r.records()).hasSize(5);
            assertThat(SlotLogContract.read(log, r.addresses().get(3), 8)).isEqualTo("record-3");
        }
        assertThat(lastSegment().getFileName().toString()).contains("-");
    }
}
