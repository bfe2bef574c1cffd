package io.baton.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFileTest {
    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong();
    private final List<String> told = new ArrayList<>();
    private final WatchedFile.Listener<Integer> listener = new WatchedFile.Listener<>() {
        @Override
        public void reloaded(Path file, Integer value) {
            told.add("reloaded " + value);
        }

        @Override
        public void failed(Path file, IOException e) {
            told.add("failed " + e.getMessage());
        }
    };

    private static Integer parse(byte[] bytes) throws IOException {
        try {
            return Integer.parseInt(new String(bytes, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            throw new IOException("not a number");
        }
    }

    /** Writes {@code text} with a modification time of its own (file systems may keep whole seconds only). */
    private static void write(Path file, String text, int step) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(step)));
    }

    @Test
    void aChangeIsReadAtTheNextCheckAndABrokenFileKeepsTheValueBefore() throws IOException {
        Path file = dir.resolve("n");
        write(file, "1", 0);
        WatchedFile<Integer> watched = new WatchedFile<>(file, WatchedFileTest::parse, listener, nanos::get);
        assertThat(watched.get()).isEqualTo(1);

        write(file, "2", 1);
        nanos.addAndGet(999_000_000L);
        assertThat(watched.get()).as("checked at most once a second").isEqualTo(1);
        nanos.addAndGet(1_000_000L);
        assertThat(watched.get()).isEqualTo(2);

        write(file, "two", 2);
        nanos.addAndGet(1_000_000_000L);
        assertThat(watched.get()).isEqualTo(2);
        nanos.addAndGet(1_000_000_000L);
        assertThat(watched.get()).isEqualTo(2);
        assertThat(told).as("a broken file is reported once per change").containsExactly("reloaded 2", "failed not a number");

        write(file, "3", 3);
        nanos.addAndGet(1_000_000_000L);
        assertThat(watched.get()).isEqualTo(3);

        Files.delete(file);
        nanos.addAndGet(1_000_000_000L);
        assertThat(watched.get()).as("a file gone keeps the value before").isEqualTo(3);
        assertThat(told).hasSize(4);
    }

    @Test
    void aFileThatCannotBeReadAtFirstIsAnError() throws IOException {
        Path file = dir.resolve("n");
        assertThatThrownBy(() -> WatchedFile.load(file, WatchedFileTest::parse, listener)).isInstanceOf(UncheckedIOException.class);
        write(file, "x", 0);
        assertThatThrownBy(() -> WatchedFile.load(file, WatchedFileTest::parse, listener))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("not a number");
    }
}
