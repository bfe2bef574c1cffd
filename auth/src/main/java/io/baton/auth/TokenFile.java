package io.baton.auth;

import io.baton.api.WatchedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tokens file ({@link TokenGrants}) that an operator edits in place: re-read when it changes
 * ({@link WatchedFile}), so tokens are issued and rotated without a restart.
 *
 * <p>It fails closed. A file that disappears or no longer parses keeps its previous tokens only for
 * {@code revokeAfter} (the operator's grace period; default none): then every token is refused,
 * with an error logged, until a valid file is back. A process never starts on a file it cannot
 * read.
 */
public final class TokenFile implements Credentials {
    private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

    private final Path file;
    private final WatchedFile<TokenGrants> grants;
    private final long revokeAfterNanos;
    private final AtomicBoolean revoked = new AtomicBoolean();

    private TokenFile(Path file, WatchedFile<TokenGrants> grants, Duration revokeAfter) {
        this.file = file;
        this.grants = grants;
        this.revokeAfterNanos = revokeAfter.toNanos();
    }

    /**
     * Reads {@code file} now.
     *
     * @throws java.io.UncheckedIOException if it is missing or not a valid tokens file
     */
    public static TokenFile load(Path file, Duration revokeAfter) {
        if (revokeAfter.isNegative()) {
            throw new IllegalArgumentException("revokeAfter must not be negative");
        }
        return new TokenFile(file, WatchedFile.load(file, TokenGrants::parse, new WatchedFile.Listener<>() {
            @Override
            public void reloaded(Path f, TokenGrants tokens) {
                log.info("reloaded {} tokens from {}", tokens.size(), f);
            }

            @Override
            public void failed(Path f, IOException e) {
                log.warn("cannot reload the tokens file {}: {}", f, e.getMessage());
            }
        }), revokeAfter);
    }

    public static TokenFile load(Path file) {
        return load(file, Duration.ZERO);
    }

    @Override
    public Set<String> projectsOf(String token) {
        TokenGrants current = grants.get();
        return revoked() ? null : current.projectsOf(token);
    }

    /**
     * Whether every token is refused now because the file went missing or invalid longer than
     * the grace ago; the change either way is logged once.
     */
    public boolean revoked() {
        grants.get(); // re-reads the file if it changed (at most once a second)
        long failing = grants.failingForNanos();
        boolean now = failing > 0 && failing >= revokeAfterNanos;
        if (revoked.compareAndSet(!now, now)) {
            if (now) {
                log.error("tokens file {} is missing or invalid: every token is refused until it is valid again", file);
            } else {
                log.info("tokens file {} is valid again: its tokens are accepted", file);
            }
        }
        return now;
    }
}
