package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large files written and freed a step at a time, so other writers' fsyncs never wait for all of one. */
class GentleWritesTest {
    @TempDir
    Path dir;

    @Test
    void aLargeWriteIsMadeDurableAChunkAtATime() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        List<Integer> flushedAt = new ArrayList<>();
        WritebackPacer out = new WritebackPacer(sink, 1000, () -> flushedAt.add(sink.size()));
        out.write(new byte[600]);
        out.write(new byte[600]);
        for (int i = 0; i < 1000; i++) {
            out.write(1);
        }
        out.write(new byte[2500], 0, 999);
        assertThat(flushedAt).containsExactly(1200, 2200);
        out.write(1);
        assertThat(flushedAt).containsExactly(1200, 2200, 3200);
    }

    @Test
    void aFileDeletedGraduallyIsGoneAndAMissingOneIsNoError() throws IOException {
        Path big = dir.resolve("big");
        Files.write(big, new byte[(int) (Disk.DELETE_STEP * 2 + 12345)]);
        Disk.REAL.deleteGradually(big);
        assertThat(big).doesNotExist();
        Disk.REAL.deleteGradually(dir.resolve("missing"));
    }

    @Test
    void aFileThatCannotBeTruncatedIsDeletedAllTheSame() throws IOException {
        Path big = dir.resolve("big");
        Files.write(big, new byte[(int) (Disk.DELETE_STEP * 2)]);
        FaultyDisk disk = new FaultyDisk().inject(FaultyDisk.named("big"), FaultyDisk.Op.TRUNCATE, FaultyDisk.EIO, 0, 1);
        disk.deleteGradually(big);
        assertThat(disk.fired()).isEqualTo(1);
        assertThat(big).doesNotExist();
    }
}
