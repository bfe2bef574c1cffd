package io.baton.broker.log;

/** Told about every group commit (for metrics). Called on the thread running the commit (the flusher's, or an event loop's): keep it cheap. */
public interface FlushListener {
    FlushListener NONE = (nanos, records, bytes) -> { };

    /** One fsync made {@code records} records ({@code bytes} bytes) durable in {@code fsyncNanos}. */
    void flushed(long fsyncNanos, int records, long bytes);

    /** A journal commit failed: none of its records is durable. */
    default void failed(Throwable error) {}
}
