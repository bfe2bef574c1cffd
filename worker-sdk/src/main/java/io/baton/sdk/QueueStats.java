package io.baton.sdk;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Counts of a queue's live messages; {@code oldest} and {@code newest} are null when it is empty.
 * {@code delayed}: messages whose delay is not over yet (in {@code total}; neither free nor claimed).
 * {@code rates}: its recent traffic.
 */
public record QueueStats(long claimed, long free, long total, Summary oldest, Summary newest, long delayed, Rates rates) {
    public record Summary(String id, long ageSeconds, Instant createdAt) {}

    /**
     * Messages that arrived (posted, or moved here), were deleted (acknowledged, or deleted by
     * id) and were dead-lettered in each span of {@code bucket}, oldest first; the last span ends
     * at {@code end}. Counted by the broker serving the queue, from its last checkpoint of the
     * queue's slot on.
     */
    public record Rates(Instant end, Duration bucket, List<Integer> posted, List<Integer> deleted, List<Integer> deadLettered) {
        public Rates {
            posted = List.copyOf(posted);
            deleted = List.copyOf(deleted);
            deadLettered = List.copyOf(deadLettered);
        }
    }
}
