package io.baton.broker.slot;

import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessagePage;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.PublishResult;
import io.baton.broker.slot.Views.QueueListing;
import io.baton.broker.slot.Views.QueueStats;
import java.util.List;
import java.util.UUID;

/**
 * A request to a slot, with the type of its reply. Ids arrive already decoded to sequence numbers;
 * a sequence of -1 means an id this slot could never have issued.
 */
public sealed interface SlotCommand<R> {
    /** The queue the command is about (every command names one, but the queue listing). */
    String project();

    Decision<R> decide(SlotStateMachine sm, long now);

    /**
     * Heap this command may add to the slot if it succeeds: a publish's bodies and their
     * per-message cost, a new queue, metadata. 0 for commands that only read or shrink the slot,
     * which no budget ever refuses.
     */
    default long growthBytes() {
        return 0;
    }

    /**
     * Whether the command may issue sequence numbers (messages, claims, holds): then it runs only
     * while the slot's recorded id reservation covers them (a new owner starts past the reservation).
     */
    default boolean issuesIds() {
        return false;
    }

    record CreateQueue(String project, String queue) implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.createQueue(this, now);
        }

        @Override
        public long growthBytes() {
            return SlotUsage.PER_QUEUE;
        }
    }

    record DeleteQueue(String project, String queue) implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.deleteQueue(this, now);
        }
    }

    record QueueExists(String project, String queue) implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.queueExists(this, now);
        }
    }

    /** Queues of the project in this slot with names after {@code marker} (null: from the start). */
    record ListQueues(String project, String marker, int limit, boolean detailed) implements SlotCommand<List<QueueListing>> {
        public Decision<List<QueueListing>> decide(SlotStateMachine sm, long now) {
            return sm.listQueues(this, now);
        }
    }

    record GetMetadata(String project, String queue) implements SlotCommand<byte[]> {
        public Decision<byte[]> decide(SlotStateMachine sm, long now) {
            return sm.getMetadata(this, now);
        }
    }

    record SetMetadata(String project, String queue, byte[] metadataJson) implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.setMetadata(this, now);
        }

        @Override
        public long growthBytes() {
            return metadataJson == null ? 0 : metadataJson.length;
        }
    }

    record GetStats(String project, String queue) implements SlotCommand<QueueStats> {
        public Decision<QueueStats> decide(SlotStateMachine sm, long now) {
            return sm.stats(this, now);
        }
    }

    /** {@code requestId} may be null or empty (no de-duplication). */
    record Publish(String project, String queue, UUID clientId, String requestId, List<NewMessage> messages)
            implements SlotCommand<PublishResult> {
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<PublishResult> decide(SlotStateMachine sm, long now) {
            return sm.publish(this, now);
        }

        @Override
        public long growthBytes() {
            return bodyBytes() + (messages == null ? 0 : messages.size() * SlotUsage.PER_MESSAGE);
        }

        /** Bytes of the bodies posted. */
        public long bodyBytes() {
            long bytes = 0;
            if (messages != null) {
                for (NewMessage m : messages) {
                    bytes += m.body() == null ? 0 : m.body().length;
                }
            }
            return bytes;
        }
    }

    /** {@code marker} is -1 to start at the oldest message. */
    record ListMessages(String project, String queue, UUID clientId, long marker, int limit, boolean echo,
                        boolean includeClaimed, boolean includeDelayed) implements SlotCommand<MessagePage> {
        /** A v1 listing: delayed messages left out. */
        public ListMessages(String project, String queue, UUID clientId, long marker, int limit, boolean echo,
                            boolean includeClaimed) {
            this(project, queue, clientId, marker, limit, echo, includeClaimed, false);
        }

        public Decision<MessagePage> decide(SlotStateMachine sm, long now) {
            return sm.listMessages(this, now);
        }
    }

    record GetMessage(String project, String queue, long seq) implements SlotCommand<MessageView> {
        public Decision<MessageView> decide(SlotStateMachine sm, long now) {
            return sm.getMessage(this, now);
        }
    }

    record GetMessages(String project, String queue, long[] seqs) implements SlotCommand<List<MessageView>> {
        public Decision<List<MessageView>> decide(SlotStateMachine sm, long now) {
            return sm.getMessages(this, now);
        }
    }

    /**
     * {@code claimSeq}: 0 when no claim id was given, -1 when one was given but is malformed or
     * could never have been issued.
     */
    record DeleteMessage(String project, String queue, long seq, long claimSeq) implements SlotCommand<Boolean> {
        public static final long NO_CLAIM = 0;
        public static final long BAD_CLAIM = -1;

        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.deleteMessage(this, now);
        }
    }

    record DeleteMessages(String project, String queue, long[] seqs) implements SlotCommand<Integer> {
        public Decision<Integer> decide(SlotStateMachine sm, long now) {
            return sm.deleteMessages(this, now);
        }
    }

    /**
     * Deletes the queue's messages with sequences up to {@code upToSeq} (claimed, delayed and free
     * alike), oldest first, at most {@code limit} in one decision; messages posted after
     * {@code upToSeq} stay. The caller repeats while the result says there may be more.
     */
    record PurgeMessages(String project, String queue, long upToSeq, int limit) implements SlotCommand<Views.PurgeResult> {
        public Decision<Views.PurgeResult> decide(SlotStateMachine sm, long now) {
            return sm.purgeMessages(this, now);
        }
    }

    record CreateClaim(String project, String queue, int limit, long ttlSeconds, long graceSeconds)
            implements SlotCommand<ClaimView> {
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<ClaimView> decide(SlotStateMachine sm, long now) {
            return sm.createClaim(this, now);
        }
    }

    /**
     * Claims up to {@code count} free messages for a streaming worker, each under a claim of its
     * own (so each job is extended, released and acknowledged alone), decided in one command: one
     * trip through the slot thread and one durability wait for the lot. Empty when nothing is free.
     */
    record ClaimEach(String project, String queue, int count, long ttlSeconds, long graceSeconds)
            implements SlotCommand<List<ClaimView>> {
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<List<ClaimView>> decide(SlotStateMachine sm, long now) {
            return sm.claimEach(this, now);
        }
    }

    /**
     * Deletes messages each under the claim that holds it (a streaming worker's acks, batched):
     * {@code seqs[i]} under {@code claimSeqs[i]}. Acks that no longer hold (the lease ran out and
     * another claim took the message) are refused one by one; the rest are deleted.
     */
    record AckMessages(String project, String queue, long[] seqs, long[] claimSeqs) implements SlotCommand<AckResult> {
        public Decision<AckResult> decide(SlotStateMachine sm, long now) {
            return sm.ackMessages(this, now);
        }
    }

    /** {@code refused}: acks whose claim no longer held the message; a message already gone counts as acknowledged. */
    record AckResult(int acknowledged, int refused) {}

    record GetClaim(String project, String queue, long claimSeq) implements SlotCommand<ClaimView> {
        public Decision<ClaimView> decide(SlotStateMachine sm, long now) {
            return sm.getClaim(this, now);
        }
    }

    record UpdateClaim(String project, String queue, long claimSeq, long ttlSeconds, long graceSeconds)
            implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.updateClaim(this, now);
        }
    }

    /**
     * Gives a claim's messages back. {@code delayMillis}: 0 frees them at once; more keeps them
     * waiting that long, holding no lease; {@link #QUEUE_BACKOFF} lets the queue's retry policy
     * decide (none: at once). {@code errorClass} and {@code errorMessage} say why the
     * handler failed (null: not said); they go into each message's attempt ledger, cut to
     * {@link Attempt#ERROR_CLASS_MAX} and {@link Attempt#ERROR_MESSAGE_MAX} characters.
     */
    record ReleaseClaim(String project, String queue, long claimSeq, long delayMillis, String errorClass,
                        String errorMessage) implements SlotCommand<Boolean> {
        /** The delay the queue's retry backoff gives the attempt that ends. */
        public static final long QUEUE_BACKOFF = -1;

        /** A release at once, with no reason (v1's DELETE of a claim). */
        public ReleaseClaim(String project, String queue, long claimSeq) {
            this(project, queue, claimSeq, 0, null, null);
        }

        /**
         * A release may issue a hold: its wait's (a delay, or the queue's backoff), or a move's (the
         * attempt that ends was the last the queue allows).
         */
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.releaseClaim(this, now);
        }
    }

    /**
     * Gives several claims back in one decision (a worker's batch of failed jobs); each entry as
     * in {@link ReleaseClaim}. Replies how many named claims had already ended (nothing to give back).
     */
    record ReleaseClaims(String project, String queue, List<Release> releases) implements SlotCommand<Integer> {
        /**
         * One claim given back: see {@link ReleaseClaim} for the fields. {@code deadLetter}: the
         * worker says no attempt can succeed, so its messages go to the queue's dead-letter queue
         * now (the delay is then ignored); a queue without one takes it as a plain release.
         */
        public record Release(long claimSeq, long delayMillis, String errorClass, String errorMessage, boolean deadLetter) {
            public Release(long claimSeq, long delayMillis, String errorClass, String errorMessage) {
                this(claimSeq, delayMillis, errorClass, errorMessage, false);
            }
        }

        public ReleaseClaims {
            releases = List.copyOf(releases);
        }

        /** As {@link ReleaseClaim#issuesIds}. */
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<Integer> decide(SlotStateMachine sm, long now) {
            return sm.releaseClaims(this, now);
        }
    }

    /**
     * A worker's acks and releases of one turn, decided together: the same records as
     * {@link AckMessages} followed by {@link ReleaseClaims}, in one pass through the slot and one
     * wait for the log. Either part may be null, not both. The releases may not name a claim the
     * acks name: deciding both against the state before either would then differ from deciding
     * them one after the other (the acks may end that claim), so a caller with such a turn submits
     * the two commands instead.
     */
    record Settle(AckMessages acks, ReleaseClaims releases) implements SlotCommand<SettleResult> {
        public Settle {
            if (acks == null && releases == null) {
                throw new IllegalArgumentException("a settle needs acks or releases");
            }
            if (acks != null && releases != null
                    && (!acks.project().equals(releases.project()) || !acks.queue().equals(releases.queue()))) {
                throw new IllegalArgumentException("a settle's acks and releases are of one queue");
            }
        }

        /** Whether a release names a claim that an ack names (such a pair may not be one {@code Settle}). */
        public static boolean shareAClaim(AckMessages acks, ReleaseClaims releases) {
            for (ReleaseClaims.Release r : releases.releases()) {
                for (long c : acks.claimSeqs()) {
                    if (c == r.claimSeq()) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public String project() {
            return acks != null ? acks.project() : releases.project();
        }

        @Override
        public boolean issuesIds() {
            return releases != null && releases.issuesIds();
        }

        public Decision<SettleResult> decide(SlotStateMachine sm, long now) {
            return sm.settle(this, now);
        }
    }

    /** What a {@link Settle} did: its acks as {@link AckResult}, and how many releases named a claim that had ended. */
    record SettleResult(AckResult acks, int releasesRefused) {}

    /**
     * The worker stream that received these claims closed. Claims no longer active are ignored;
     * the others remember it until renewed (see {@link AttemptOutcome#STREAM_CLOSED}).
     */
    record MarkStreamClosed(String project, String queue, long[] claimSeqs) implements SlotCommand<Boolean> {
        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.markStreamClosed(this, now);
        }
    }

    /**
     * A broker begins serving the slot: records the moment if client claims are active, so that
     * those never renewed with this owner end as {@link AttemptOutcome#SLOT_MOVED}.
     */
    record OpenSlot() implements SlotCommand<Boolean> {
        /** The slot's, not a project's: no project. */
        @Override
        public String project() {
            return "";
        }

        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.openSlot(this, now);
        }
    }

    /**
     * Writes bodies again, so the storage that held them can be reclaimed: message {@code seqs[k]},
     * whose body lay at {@code from[k]}, gets {@code bodies.get(k)} (read from there). Messages gone
     * or moved meanwhile are skipped. The reply is how many moved.
     */
    record MoveBodies(String project, String queue, long[] seqs, long[] from, List<byte[]> bodies) implements SlotCommand<Integer> {
        public Decision<Integer> decide(SlotStateMachine sm, long now) {
            return sm.moveBodies(this, now);
        }
    }

    /** Messages being moved out of the slot's queues, for the broker's mover: at most {@code maxMessages} in all. */
    record PendingMoves(int maxMessages) implements SlotCommand<List<Views.MoveBatch>> {
        @Override
        public String project() {
            return "";
        }

        public Decision<List<Views.MoveBatch>> decide(SlotStateMachine sm, long now) {
            return sm.pendingMoves(this, now);
        }
    }

    /**
     * Takes copies of messages moved from another queue (the queue is created if it does not exist).
     * A copy of a message already here, or a move already taken ({@code requestId}), is taken once.
     */
    record AcceptMoved(String project, String queue, String requestId, List<MovedMessage> messages)
            implements SlotCommand<Integer> {
        /** The most messages one copy carries (a move hold holds at most as many). */
        public static final int MESSAGES_MAX = QueueState.MOVE_BATCH_MAX;

        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<Integer> decide(SlotStateMachine sm, long now) {
            return sm.acceptMoved(this, now);
        }

        @Override
        public long growthBytes() {
            long bytes = 0;
            for (MovedMessage m : messages) {
                bytes += m.body().length + SlotUsage.PER_MESSAGE;
            }
            return bytes;
        }
    }

    /** The copies of move holds {@code holdSeqs} (of one queue) are durable where they went: delete their messages here. */
    record FinishMove(String project, String queue, long[] holdSeqs) implements SlotCommand<Integer> {
        public FinishMove(String project, String queue, long holdSeq) {
            this(project, queue, new long[] {holdSeq});
        }

        public Decision<Integer> decide(SlotStateMachine sm, long now) {
            return sm.finishMove(this, now);
        }
    }

    /**
     * Sends messages of a dead-letter queue back to the queues they came from: those of
     * {@code seqs} (all, oldest first, when empty), at most {@code limit}. Messages that were not
     * moved here (posted directly) are left alone.
     */
    record Redrive(String project, String queue, long[] seqs, int limit) implements SlotCommand<Views.RedriveResult> {
        @Override
        public boolean issuesIds() {
            return true;
        }

        public Decision<Views.RedriveResult> decide(SlotStateMachine sm, long now) {
            return sm.redrive(this, now);
        }
    }

    /** Never issue a sequence number below {@code floor} (the broker's reservation outlived the log). */
    record RaiseSeqFloor(long floor) implements SlotCommand<Boolean> {
        /** The slot's, not a project's: no project. */
        @Override
        public String project() {
            return "";
        }

        public Decision<Boolean> decide(SlotStateMachine sm, long now) {
            return sm.raiseSeqFloor(this, now);
        }
    }
}
