package io.baton.broker.slot;

import java.util.Arrays;
import java.util.List;

/**
 * The ended attempts of one message: how many, and the latest {@value #KEPT} in full (a message
 * claimed thousands of times keeps an exact count, not thousands of entries). The attempt running
 * now is not here: its claim is. A message that was never given back has no ledger at all, so a
 * backlog of untouched messages and the usual claim-then-ack path cost nothing.
 */
final class Ledger {
    static final int KEPT = 10;
    /** No attempt ended yet: what the first ended attempt is added to. */
    static final Ledger NONE = new Ledger(0, 0, 0, new Attempt[0]);

    /** Attempts that ended. */
    private final int ended;
    /** Attempts that had ended when the message came into its queue (moved): not counted against its claim limit. */
    private final int countedFrom;
    /** Attempts since it came into its queue whose lease ran out with no extension ever. */
    private final int silent;
    /** The latest ended attempts, oldest first. Never changed once set: snapshots share it. */
    private final Attempt[] recent;
    /** {@link #snapshotBytes}, counted once: the slot adds and subtracts it at every ended attempt. */
    private final int snapshotBytes;

    /**
     * Immutable, so that a snapshot shares it with the live queue (its message block holds it):
     * an attempt that ends makes a new ledger ({@link #plus}), which the block, copied first if a
     * snapshot holds it, keeps instead.
     */
    private Ledger(int ended, int countedFrom, int silent, Attempt[] recent) {
        this.ended = ended;
        this.countedFrom = countedFrom;
        this.silent = silent;
        this.recent = recent;
        int bytes = 21;
        for (Attempt a : recent) {
            bytes += 39 + length(a.errorClass()) + length(a.errorMessage());
        }
        this.snapshotBytes = bytes;
    }

    int ended() {
        return ended;
    }

    int countedFrom() {
        return countedFrom;
    }

    int silent() {
        return silent;
    }

    /** Claims counted against the queue's {@code _max_claim_count}: those since the message came into the queue. */
    int counted() {
        return ended - countedFrom;
    }

    /** This ledger with attempt {@code a} ended too. */
    Ledger plus(Attempt a) {
        Attempt[] next = recent.length < KEPT ? Arrays.copyOf(recent, recent.length + 1)
                : Arrays.copyOfRange(recent, 1, KEPT + 1);
        next[next.length - 1] = a;
        return new Ledger(ended + 1, countedFrom, silent + (a.outcome() == AttemptOutcome.LEASE_EXPIRED_SILENT ? 1 : 0), next);
    }

    List<Attempt> recent() {
        return List.of(recent);
    }

    /** The latest ended attempts as held: shared, never to be changed. */
    Attempt[] recentShared() {
        return recent;
    }

    /** A ledger as a snapshot holds it. */
    static Ledger restore(int ended, int countedFrom, int silent, Attempt[] recent) {
        return new Ledger(ended, countedFrom, silent, recent);
    }

    /**
     * Approximate heap bytes (for the memory budget): this object, its array and its attempts, the
     * slot of its block's column, and the message's entry in its queue's returned heap, as
     * HeapPerMessageBench measures them. Error strings are shared between attempts and messages
     * ({@link Interner}) and not counted here.
     */
    long heapBytes() {
        return HEAP_BASE + HEAP_PER_ATTEMPT * recent.length;
    }

    static final long HEAP_BASE = 85;
    static final long HEAP_PER_ATTEMPT = 60;

    /**
     * About the bytes a snapshot writes for it (for the checkpoint policy, which must not take a
     * queue of failed messages for one of plain ones: the ledger outweighs the message's index
     * entry many times over).
     */
    long snapshotBytes() {
        return snapshotBytes;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
