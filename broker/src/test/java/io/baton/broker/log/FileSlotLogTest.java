package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract, plus what a crash does to files on a local disk. */
class FileSlotLogTest extends SlotLogContract {
    private final LogFlusher flusher = new LogFlusher("test-flusher", FlushListener.NONE);

    @Override
    protected SlotLog open() throws Exception {
        return FileSlotLog.open(dir, flusher, 1 << 20);
    }

    @AfterEach
    void stopFlusher() {
        flusher.close();
    }

    private void writeRecords(int n) throws Exception {
        try (SlotLog log = open()) {
            for (int i = 0; i < n; i++) {
                log.append(bytes("record-" + i));
            }
            log.sync().get(10, TimeUnit.SECONDS);
        }
    }

    private Path onlySegment() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> segs = s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            return segs.get(segs.size() - 1);
        }
    }

    @Test
    void aTruncatedTailIsCutAndTheLogGoesOn() throws Exception {
        writeRecords(10);
        Path seg = onlySegment();
        long size = Files.size(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.setLength(size - 3); // the last record lost its final bytes, as after a crash mid-write
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.records()).hasSize(9).last().isEqualTo("record-8");
            assertThat(log.append(bytes("after")).get(10, TimeUnit.SECONDS)).isEqualTo(9L);
        }
        try (SlotLog log = open()) {
            assertThat(replay(log).records()).hasSize(10).last().isEqualTo("after");
        }
    }

    @Test
    void aCorruptRecordCutsTheLogThere() throws Exception {
        writeRecords(10);
        Path seg = onlySegment();
        int frame = FileSlotLog.FRAME_HEADER + "record-0".length();
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(5L * frame + FileSlotLog.FRAME_HEADER + 2);
            f.write('X'); // a flipped byte in record 5's payload
        }
        try (SlotLog log = open()) {
            assertThat(replay(log).records()).hasSize(5).last().isEqualTo("record-4");
        }
    }

    @Test
    void aHalfWrittenHeaderAndGarbageTailAreCut() throws Exception {
        writeRecords(3);
        Path seg = onlySegment();
        Files.write(seg, new byte[] {0, 0, 0, 9, 1, 2}, java.nio.file.StandardOpenOption.APPEND);
        try (SlotLog log = open()) {
            assertThat(replay(log).records()).hasSize(3);
        }
        Files.write(seg, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
                java.nio.file.StandardOpenOption.APPEND);
        try (SlotLog log = open()) {
            assertThat(replay(log).records()).hasSize(3);
        }
    }

    @Test
    void anUnreadableSnapshotFallsBackToTheOneBefore() throws Exception {
        writeRecords(5);
        try (SlotLog log = open()) {
            log.checkpoint(4, bytes("good"));
        }
        Files.write(dir.resolve(String.format("snapshot-%020d.snap", 99)), new byte[] {1, 2, 3});
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.snapshotPosition()).isEqualTo(4);
            assertThat(new String(r.snapshot())).isEqualTo("good");
        }
    }

    @Test
    void segmentsRollAndCheckpointsDeleteTheCoveredOnes() throws Exception {
        try (SlotLog log = open()) {
            byte[] record = new byte[50_000];
            for (int i = 0; i < 100; i++) {
                log.append(record).get(10, TimeUnit.SECONDS);
            }
            assertThat(((FileSlotLog) log).segmentCount()).isGreaterThan(3);
            log.checkpoint(log.lastPosition(), bytes("s"));
            assertThat(((FileSlotLog) log).segmentCount()).isZero();
            log.append(record).get(10, TimeUnit.SECONDS);
            assertThat(((FileSlotLog) log).segmentCount()).isEqualTo(1);
        }
    }
}
