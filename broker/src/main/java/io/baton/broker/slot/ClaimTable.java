package io.baton.broker.slot;

import java.util.ArrayList;
import java.util.List;

/**
 * A queue's active claims and their expiries. An expired, released or emptied claim is removed at
 * once, timer included, so "in the table" is exactly "valid", and the table holds what is held:
 * nothing of claims that ended.
 */
final class ClaimTable {
    private final LongMap<Claim> active = new LongMap<>();
    /** Every active claim and hold but the move holds, which never expire. */
    private final ClaimTimers timers = new ClaimTimers();
    /** The move holds among them, by sequence: the mover reads these without walking every claim. */
    private final java.util.TreeMap<Long, Claim> moves = new java.util.TreeMap<>();

    Claim get(long claimSeq) {
        return active.get(claimSeq);
    }

    boolean isActive(long claimSeq) {
        return active.containsKey(claimSeq);
    }

    void add(Claim claim) {
        Claim was = active.put(claim.seq, claim);
        if (was == claim) {
            return;
        }
        if (was != null) {
            untrack(was); // sequences are never reused, but a claim replaced must not expire in its successor's name
        }
        if (claim.move != null) {
            moves.put(claim.seq, claim); // never expires: no timer
        } else {
            timers.add(claim);
        }
    }

    /** {@code claim}'s lease was renewed: its expiry moved. */
    void renewed(Claim claim) {
        timers.moved(claim);
    }

    void remove(long claimSeq) {
        Claim c = active.remove(claimSeq);
        if (c != null) {
            untrack(c);
        }
    }

    private void untrack(Claim c) {
        if (c.move != null) {
            moves.remove(c.seq);
        } else {
            timers.remove(c);
        }
    }

    /** The move holds, in sequence order. */
    java.util.Collection<Claim> moveHolds() {
        return moves.values();
    }

    /** Removes and returns the claims whose expiry is at or before {@code now}, by expiry, then sequence. */
    List<Claim> takeExpired(long now) {
        List<Claim> expired = null;
        for (Claim c; (c = timers.first()) != null && c.expiresAt <= now; ) {
            timers.remove(c);
            active.remove(c.seq);
            if (expired == null) {
                expired = new ArrayList<>();
            }
            expired.add(c);
        }
        return expired == null ? List.of() : expired;
    }

    int size() {
        return active.size();
    }

    /** Claims and holds with an expiry (all but the move holds). */
    int timed() {
        return timers.size();
    }

    /** The earliest expiry of an active claim or hold (Long.MAX_VALUE: none expires). */
    long nextExpiry() {
        Claim first = timers.first();
        return first == null ? Long.MAX_VALUE : first.expiresAt;
    }

    /** Active claims in sequence order (for snapshots, which must be canonical). */
    List<Claim> sorted() {
        List<Claim> all = active.values();
        all.sort((a, b) -> Long.compare(a.seq, b.seq));
        return all;
    }
}
