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

    /** Attempts that ended. */
    private int ended;
    /** Attempts that had ended when the message came into its queue (moved): not counted against its claim limit. */
    private int countedFrom;
    /** Attempts since it came into its queue whose lease ran out with no extension ever. */
    private int silent;
    /** The latest ended attempts, oldest first. Never changed once set: snapshots share it. */
    private Attempt[] recent = new Attempt[0];

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

    void add(Attempt a) {
        ended++;
        if (a.outcome() == AttemptOutcome.LEASE_EXPIRED_SILENT) {
            silent++;
        }
        Attempt[] next = recent.length < KEPT ? Arrays.copyOf(recent, recent.length + 1)
                : Arrays.copyOfRange(recent, 1, KEPT + 1);
        next[next.length - 1] = a;
        recent = next;
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
        Ledger l = new Ledger();
        l.ended = ended;
        l.countedFrom = countedFrom;
        l.silent = silent;
        l.recent = recent;
        return l;
    }

    /**
     * Approximate heap bytes, with what keeping it costs around it (for the memory budget): the
     * map's node, boxed key and table slot, this object, its array and attempts, and the message's
     * entry in its queue's returned heap, as HeapPerMessageBench measures them. Error strings are
     * shared between attempts ({@link Interner}) and not counted here.
     */
    long heapBytes() {
        return 128 + 24 + 16 + 72L * recent.length;
    }
}
