package io.baton.auth;

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
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
    private static final String A = "token-a-0123456789ab";

    @TempDir
    Path dir;

    private static TokenGrants parse(String json) throws IOException {
        return TokenGrants.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tokensGrantTheirProjectsAndStarGrantsEveryProject() throws Exception {
        TokenGrants g = parse("{\"tokens\": {\"" + A + "\": [\"a\", \"b\"], \"service-0123456789ab\": [\"*\"]}}");
        assertThat(g.projectsOf(A)).containsExactlyInAnyOrder("a", "b");
        assertThat(g.projectsOf("token-a-0123456789a")).isNull(); // a prefix is not the token
        assertThat(g.projectsOf(null)).isNull();
        assertThat(Credentials.grants(g.projectsOf("service-0123456789ab"), "anything")).isTrue();
        assertThat(Credentials.grants(g.projectsOf(A), "c")).isFalse();
        Credentials both = Credentials.either(Credentials.fixed("internal-0123456789ab", Set.of("*")), g);
        assertThat(both.projectsOf("internal-0123456789ab")).containsExactly("*");
        assertThat(both.projectsOf(A)).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void shortTokensAndMalformedFilesAreRefusedWithoutEchoingTheToken() {
        assertThatThrownBy(() -> parse("{\"tokens\": {\"short-secret\": [\"a\"]}}"))
                .hasMessageContaining("shorter than 16").hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> parse("{\"tokens\": {\"" + A + "\": []}}")).hasMessageContaining("projects");
        assertThatThrownBy(() -> parse("{\"tokens\": []}")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> parse("{\"tokens\": {\"" + A + "\": [\"\"]}}")).hasMessageContaining("1-256");
    }

    @Test
    void aFileThatCannotBeReadAtStartIsAnError() throws Exception {
        Path f = dir.resolve("tokens.json");
        assertThatThrownBy(() -> TokenFile.load(f)).isInstanceOf(UncheckedIOException.class);
        Files.writeString(f, "{\"tokens\": {\"abc\": [\"a\"]}}");
        assertThatThrownBy(() -> TokenFile.load(f)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void aGarbledFileKeepsItsTokensForTheGracePeriodThenRevokesThem() throws Exception {
        Path f = dir.resolve("tokens.json");
        Files.writeString(f, "{\"tokens\": {\"" + A + "\": [\"a\"]}}");
        TokenFile tokens = TokenFile.load(f, Duration.ofSeconds(3));
        Files.writeString(f, "not json");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1_100); // the file is checked at most once a second
        assertThat(tokens.projectsOf(A)).as("within the grace period").containsExactly("a");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> tokens.projectsOf(A) == null);
        assertThat(tokens.revoked()).isTrue();
        Files.writeString(f, "{\"tokens\": {\"" + A + "\": [\"a\"]}}");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> tokens.projectsOf(A) != null);
        assertThat(tokens.revoked()).isFalse();
    }
}
