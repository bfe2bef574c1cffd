package io.baton.broker.slot;

import java.util.List;

/**
 * What a slot writes to its log: facts already decided, never requests. Applying a record makes no
 * decision (the claim record names the messages it took, the publish record the sequence numbers
 * it assigned), which is what makes replay reproduce the state exactly. Every record carries the
 * time it was decided at; applying it first advances the slot's clock to that time.
 */
public sealed interface SlotRecord {
    long time();

    /**
     * The queue in which applying this record may have made messages claimable (a post, a release,
     * messages moved in) or in which waiting is over (the queue was deleted), or null. The driver
     * wakes the workers waiting there.
     */
    default InQueue freesMessagesIn() {
        return null;
    }

    /** A record about one queue of a project. */
    sealed interface InQueue extends SlotRecord {
        String project();

        String queue();
    }

    record QueueCreated(long time, String project, String queue) implements InQueue {}

    record QueueDeleted(long time, String project, String queue) implements InQueue {
        @Override
        public InQueue freesMessagesIn() {
            return this;
        }
    }

    record MetadataSet(long time, String project, String queue, byte[] metadataJson) implements InQueue {}

    /** Messages take the sequence numbers {@code firstSeq, firstSeq + 1, ...} in batch order. */
    record MessagesPosted(long time, String project, String queue, long clientHi, long clientLo,
                          String requestId, long firstSeq, List<NewMessage> messages) implements InQueue {
        @Override
        public InQueue freesMessagesIn() {
            return this;
        }
    }

    record MessagesDeleted(long time, String project, String queue, long[] seqs) implements InQueue {}

    record MessagesClaimed(long time, String project, String queue, long claimSeq, int ttlSeconds,
                           int graceSeconds, long[] seqs) implements InQueue {}

    record ClaimRenewed(long time, String project, String queue, long claimSeq, int ttlSeconds,
                        int graceSeconds) implements InQueue {}

    /**
     * The claim gave its messages back; their attempts end as released, with what the worker said
     * failed ({@code errorClass}, {@code errorMessage}: null when it said nothing). With
     * {@code retryAt} after {@code time}, the messages wait until then under the delay hold
     * {@code holdSeq}, holding no lease; otherwise ({@code retryAt} 0) they are free at once.
     */
    record ClaimReleased(long time, String project, String queue, long claimSeq, long holdSeq, long retryAt,
                         String errorClass, String errorMessage) implements InQueue {
        /** A release that frees the messages at once, with no reason given. */
        public ClaimReleased(long time, String project, String queue, long claimSeq) {
            this(time, project, queue, claimSeq, 0, 0, null, null);
        }

        /** Free at once, or held for a retry delay: woken waiters then wait for the hold's end (a claim expiry). */
        @Override
        public InQueue freesMessagesIn() {
            return this;
        }
    }

    /**
     * The worker streams that carried these claims closed: if a lease among them runs out before
     * any renewal, its attempt ended because the stream closed.
     */
    record StreamClosed(long time, String project, String queue, long[] claimSeqs) implements InQueue {}

    /**
     * A broker began serving the slot (a take-over or restart) while client claims were active:
     * those not renewed after this time ran out because the slot changed hands.
     */
    record SlotOpened(long time) implements SlotRecord {}

    /**
     * These free messages go to another queue ({@code move}): they are held, invisible to claims,
     * under the move hold {@code holdSeq} until their copy there is durable.
     */
    record MovesStarted(long time, String project, String queue, long holdSeq, long[] seqs, Move move) implements InQueue {}

    /**
     * Messages copied here by a move, numbered {@code firstSeq, firstSeq + 1, ...}, each with where
     * it came from and its attempt ledger. {@code requestId} names the move (its source slot and hold).
     */
    record MessagesMovedIn(long time, String project, String queue, String requestId, long firstSeq,
                           List<MovedMessage> messages) implements InQueue {
        @Override
        public InQueue freesMessagesIn() {
            return this;
        }
    }

    /** The copy of what move hold {@code holdSeq} holds is durable where it went: those messages go from here. */
    record MovesFinished(long time, String project, String queue, long holdSeq) implements InQueue {}

    /**
     * The bodies of these messages, written again: their bodies now lie in this record, so the
     * storage that held them before can be reclaimed. Only messages whose body still lay where the
     * decision found it are named.
     */
    record BodiesMoved(long time, String project, String queue, long[] seqs, List<byte[]> bodies) implements InQueue {}

    /**
     * Sequence numbers below {@code floor} are never given out again: the slot's log was older than
     * ids it had already issued (restored from a backup), and the broker's reservation, kept apart
     * from the log, says how far they went.
     */
    record SeqFloorRaised(long time, long floor) implements SlotRecord {}
}
