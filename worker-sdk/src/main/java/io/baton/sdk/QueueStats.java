package io.baton.sdk;

import java.time.Instant;

/**
 * Counts of a queue's live messages; {@code oldest} and {@code newest} are null when it is empty.
 * {@code delayed}: messages whose delay is not over yet (in {@code total}; neither free nor claimed).
 */
public record QueueStats(long claimed, long free, long total, Summary oldest, Summary newest, long delayed) {
    public record Summary(String id, long ageSeconds, Instant createdAt) {}
}
