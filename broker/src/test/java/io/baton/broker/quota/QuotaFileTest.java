package io.baton.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuotaFileTest {
    @TempDir
    Path dir;

    private static QuotaPolicy parse(String json) throws IOException {
        return QuotaFile.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void projectsListedHaveTheirOwnLimitsAndTheRestTheDefault() throws IOException {
        QuotaPolicy p = parse("""
                {"default": {"messages": 1000, "bytes": "1m"},
                 "projects": {"acme": {"messages": 5000000, "bytes": "4g"}, "ops": {}, "small": {"bytes": 2048}}}""");
        assertThat(p.quotaOf("someone")).isEqualTo(new Quota(1000, 1 << 20));
        assertThat(p.quotaOf("acme")).isEqualTo(new Quota(5_000_000, 4L << 30));
        assertThat(p.quotaOf("ops").unlimited()).isTrue();
        assertThat(p.quotaOf("small")).isEqualTo(new Quota(Long.MAX_VALUE, 2048));
        assertThat(parse("{}").quotaOf("anyone").unlimited()).isTrue();
        assertThat(parse("{\"projects\": {\"a\": {}}}").quotaOf("a").unlimited()).isTrue();
    }

    @Test
    void aMistakeIsNamed() {
        assertThatThrownBy(() -> parse("{\"defaults\": {}}")).hasMessageContaining("unknown key \"defaults\"");
        assertThatThrownBy(() -> parse("{\"default\": {\"message\": 1}}")).hasMessageContaining("unknown key \"message\"");
        assertThatThrownBy(() -> parse("{\"default\": {\"messages\": 0}}")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> parse("{\"default\": {\"messages\": \"1k\"}}")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> parse("{\"default\": {\"bytes\": \"lots\"}}")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> parse("{\"projects\": []}")).hasMessageContaining("must be an object");
        assertThatThrownBy(() -> parse("[1]")).isInstanceOf(IOException.class);
    }

    @Test
    void aBrokerDoesNotStartOnAFileItCannotRead() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"default\": ");
        assertThatThrownBy(() -> QuotaFile.load(bad)).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> QuotaFile.load(dir.resolve("missing.json"))).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void aChangedFileIsReReadAndAnUnreadableOneKeepsTheQuotasBefore() throws IOException {
        Path file = dir.resolve("quotas.json");
        Files.writeString(file, "{\"default\": {\"messages\": 10}}");
        QuotaFile quotas = QuotaFile.load(file);
        assertThat(quotas.get().quotaOf("p").maxMessages()).isEqualTo(10);

        write(file, "{\"default\": {\"messages\": 20}}", 1);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> quotas.get().quotaOf("p").maxMessages() == 20);

        write(file, "{\"default\": {\"messages\": ", 2);
        Awaitility.await().pollDelay(Duration.ofMillis(1_200)).atMost(Duration.ofSeconds(5))
                .until(() -> quotas.get().quotaOf("p").maxMessages() == 20);

        write(file, "{\"default\": {\"messages\": 30}}", 3);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> quotas.get().quotaOf("p").maxMessages() == 30);
    }

    /** Writes {@code json} with a modification time of its own (file systems may keep whole seconds only). */
    private static void write(Path file, String json, int step) throws IOException {
        Files.writeString(file, json);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10L * step)));
    }
}
