package io.baton.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A value read from a file an operator edits in place (tokens, quotas), read again when the file's
 * modification time changes, so a change takes effect without a restart. The time is checked at
 * most once a second, by whichever caller asks. A file that can no longer be read or parsed keeps
 * the value read before; the failure is reported once for each change of the file. A file that
 * cannot be read at first is an error: a process must not start on configuration it cannot read.
 *
 * <p>Threads: any.
 */
public final class WatchedFile<T> implements Supplier<T> {
    /** Reads the file's bytes into the value; throws, naming the mistake, for a file that is not one. */
    public interface Parser<T> {
        T parse(byte[] bytes) throws IOException;
    }

    /** Told of reloads and of failed ones (for logging; on the thread that asked). */
    public interface Listener<T> {
        void reloaded(Path file, T value);

        void failed(Path file, IOException e);
    }

    private final Path file;
    private final Parser<T> parser;
    private final Listener<T> listener;
    private final LongSupplier nanoTime;
    private volatile T value;
    private volatile FileTime seen;
    private volatile long checkedAt;
    /** When reading the file first failed in the current failing streak; {@link #NOT_FAILING} while it reads. */
    private volatile long failingSince = NOT_FAILING;
    private static final long NOT_FAILING = Long.MIN_VALUE;

    /**
     * Reads {@code file} now.
     *
     * @throws UncheckedIOException if it cannot be read or parsed, with the reason
     */
    public static <T> WatchedFile<T> load(Path file, Parser<T> parser, Listener<T> listener) {
        return new WatchedFile<>(file, parser, listener, System::nanoTime);
    }

    WatchedFile(Path file, Parser<T> parser, Listener<T> listener, LongSupplier nanoTime) {
        this.file = file;
        this.parser = parser;
        this.listener = listener;
        this.nanoTime = nanoTime;
        try {
            seen = Files.getLastModifiedTime(file);
            value = parser.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        checkedAt = nanoTime.getAsLong();
    }

    @Override
    public T get() {
        long now = nanoTime.getAsLong();
        if (now - checkedAt >= 1_000_000_000L) {
            checkedAt = now;
            reloadIfChanged();
        }
        return value;
    }

    private synchronized void reloadIfChanged() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (!t.equals(seen)) {
                seen = t; // a file that fails is reported once, not at every check
                value = parser.parse(Files.readAllBytes(file));
                failingSince = NOT_FAILING;
                listener.reloaded(file, value);
            }
        } catch (IOException e) {
            if (failingSince == NOT_FAILING) {
                failingSince = nanoTime.getAsLong();
            }
            listener.failed(file, e);
        }
    }

    /**
     * How long the file has been unreadable or invalid (deleted, garbled), as of the last check:
     * 0 while its latest version was read. The value is then the last one read, which a caller
     * that must fail closed (tokens) stops trusting after a while.
     */
    public long failingForNanos() {
        long since = failingSince;
        return since == NOT_FAILING ? 0 : Math.max(1, nanoTime.getAsLong() - since);
    }
}
