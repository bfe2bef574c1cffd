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
                listener.reloaded(file, value);
            }
        } catch (IOException e) {
            listener.failed(file, e);
        }
    }
}
