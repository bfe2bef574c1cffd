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
    /** The latest ended attempts, oldest first. Never changed once set: snapshots share it. */
    private Attempt[] recent = new Attempt[0];

    int ended() {
        return ended;
    }

    int countedFrom() {
        return countedFrom;
    }

    /** Claims counted against the queue's {@code _max_claim_count}: those since the message came into the queue. */
    int counted() {
        return ended - countedFrom;
    }

    void add(Attempt a) {
        ended++;
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
    static Ledger restore(int ended, int countedFrom, Attempt[] recent) {
        Ledger l = new Ledger();
        l.ended = ended;
        l.countedFrom = countedFrom;
        l.recent = recent;
        return l;
    }

    /** Approximate heap bytes (for the memory estimate). */
    long heapBytes() {
        long bytes = 64 + 16 + 8L * recent.length;
        for (Attempt a : recent) {
            bytes += 48 + (a.errorClass() == null ? 0 : 40 + a.errorClass().length())
                    + (a.errorMessage() == null ? 0 : 40 + a.errorMessage().length());
        }
        return bytes;
    }
}
