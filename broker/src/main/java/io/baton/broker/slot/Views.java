package io.baton.broker.slot;

import java.util.List;

/** The replies the state machine gives. Ids are sequence numbers here; the RPC layer encodes them. */
public final class Views {
    private Views() {}

    /**
     * A message as read at some instant. {@code claimSeq} is 0 unless a valid claim holds it. Its
     * body is loaded by the broker before the reply leaves ({@link Body}). {@code attempts}: how many
     * claims it received; {@code ledger}: the latest of those attempts, oldest first, the running
     * one last (empty for a message never claimed).
     */
    public record MessageView(long seq, int ttlSeconds, long ageSeconds, long createdAt, Body bodyRef, long claimSeq,
                              int attempts, List<Attempt> ledger) {

        /** The body's bytes (shared: never change them). */
        public byte[] body() {
            return bodyRef.bytes();
        }
    }

    /** {@code claimSeq} is 0 and {@code messages} empty when nothing was free to claim. */
    public record ClaimView(long claimSeq, int ttlSeconds, long ageSeconds, List<MessageView> messages) {}

    /** {@code nextMarker} is the sequence to pass as the next page's marker; -1 when the page is empty. */
    public record MessagePage(List<MessageView> messages, long nextMarker) {}

    public record MessageSummary(long seq, long ageSeconds, long createdAt) {}

    /** {@code oldest} and {@code newest} are null when {@code total} is 0. */
    /** {@code delayed}: posted with a delay not yet over (neither free nor claimed; counted in {@code total}). */
    public record QueueStats(long claimed, long free, long total, MessageSummary oldest, MessageSummary newest,
                             long delayed, Rates rates) {}

    /**
     * Messages posted, deleted (acknowledged, or deleted by id) and dead-lettered (set on their way
     * to the dead-letter queue) per span of {@code bucketMs}, oldest first; the last span ends at
     * {@code endMs} and holds the time of the question.
     */
    public record Rates(long endMs, int bucketMs, int[] posted, int[] deleted, int[] deadLettered) {}

    /** {@code deleted}: messages a purge removed; {@code more}: messages it may still remove (ask again). */
    public record PurgeResult(int deleted, boolean more) {}

    /** {@code metadataJson} is null unless the listing was detailed. */
    public record QueueListing(String name, byte[] metadataJson) {}

    public record PublishResult(List<Long> seqs, boolean duplicate) {}

    /** Messages under one move hold, to copy to {@code move.queue()}. */
    public record MoveBatch(String project, String queue, long holdSeq, Move move, List<MovingMessage> messages) {}

    /**
     * A message being moved: the TTL its copy gets, its body (loaded before the reply leaves),
     * where the copy says it came from, and its ledger.
     */
    public record MovingMessage(long seq, int ttlSeconds, Body bodyRef, Origin origin, int ended, List<Attempt> recent) {}

    /** How many messages of a queue are in some state (for per-queue metrics). */
    public record QueueCount(String project, String queue, long count) {}

    /** {@code started}: messages now on their way back; {@code notMoved}: asked for but posted here directly (left alone). */
    public record RedriveResult(int started, int notMoved) {}

    /** The bodies a reply carries, for the broker to load before it leaves (none for most replies). */
    public static List<Body> bodiesOf(Object reply) {
        if (!(reply instanceof MessageView || reply instanceof ClaimView || reply instanceof MessagePage
                || reply instanceof List<?> || reply instanceof MoveBatch)) {
            return List.of(); // most replies (publishes, acks, stats) carry none
        }
        List<Body> out = new java.util.ArrayList<>();
        collect(reply, out);
        return out;
    }

    private static void collect(Object reply, List<Body> out) {
        if (reply instanceof MessageView v) {
            out.add(v.bodyRef());
        } else if (reply instanceof ClaimView c) {
            c.messages().forEach(m -> out.add(m.bodyRef()));
        } else if (reply instanceof MessagePage p) {
            p.messages().forEach(m -> out.add(m.bodyRef()));
        } else if (reply instanceof MoveBatch b) {
            b.messages().forEach(m -> out.add(m.bodyRef()));
        } else if (reply instanceof List<?> list) {
            for (Object o : list) {
                collect(o, out);
            }
        }
    }
}
