package io.baton.broker.slot;

import java.util.List;

/** The replies the state machine gives. Ids are sequence numbers here; the RPC layer encodes them. */
public final class Views {
    private Views() {}

    /**
     * A message as read at some instant. {@code claimSeq} is 0 unless a valid claim holds it. The
     * body is {@code bodyLength} bytes of {@code bodyChunk} from {@code bodyOffset}: a range of the
     * queue's arena chunk, shared, not copied. Chunks are append-only, so the range never changes;
     * never write to it.
     */
    public record MessageView(long seq, int ttlSeconds, long ageSeconds, long createdAt, byte[] bodyChunk, int bodyOffset,
                              int bodyLength, long claimSeq) {
        /** A copy of the body. */
        public byte[] body() {
            return java.util.Arrays.copyOfRange(bodyChunk, bodyOffset, bodyOffset + bodyLength);
        }
    }

    /** {@code claimSeq} is 0 and {@code messages} empty when nothing was free to claim. */
    public record ClaimView(long claimSeq, int ttlSeconds, long ageSeconds, List<MessageView> messages) {}

    /** {@code nextMarker} is the sequence to pass as the next page's marker; -1 when the page is empty. */
    public record MessagePage(List<MessageView> messages, long nextMarker) {}

    public record MessageSummary(long seq, long ageSeconds, long createdAt) {}

    /** {@code oldest} and {@code newest} are null when {@code total} is 0. */
    public record QueueStats(long claimed, long free, long total, MessageSummary oldest, MessageSummary newest) {}

    /** {@code metadataJson} is null unless the listing was detailed. */
    public record QueueListing(String name, byte[] metadataJson) {}

    public record PublishResult(List<Long> seqs, boolean duplicate) {}
}
