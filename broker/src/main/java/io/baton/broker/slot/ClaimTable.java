package io.baton.broker.slot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A queue's active claims and their expiry timers. An expired, released or emptied claim is
 * removed at once, so "in the table" is exactly "valid". Renewal pushes a new timer and leaves the
 * old one to be skipped when it comes up.
 */
final class ClaimTable {
    private final Map<Long, Claim> active = new HashMap<>();
    private final LongHeap timers = new LongHeap();
    /** The move holds among them, by sequence: the mover reads these without walking every claim. */
    private final java.util.TreeMap<Long, Claim> moves = new java.util.TreeMap<>();

    Claim get(long claimSeq) {
        return active.get(claimSeq);
    }

    boolean isActive(long claimSeq) {
        return claimSeq != 0 && active.containsKey(claimSeq);
    }

    void add(Claim claim) {
        active.put(claim.seq, claim);
        if (claim.move != null) {
            moves.put(claim.seq, claim); // never expires: no timer
        } else {
            timers.push(claim.expiresAt, claim.seq);
        }
    }

    void renewed(Claim claim) {
        timers.push(claim.expiresAt, claim.seq);
    }

    void remove(long claimSeq) {
        if (active.remove(claimSeq) != null && !moves.isEmpty()) {
            moves.remove(claimSeq);
        }
        if (active.isEmpty()) {
            timers.clear();
        }
    }

    /** The move holds, in sequence order. */
    java.util.Collection<Claim> moveHolds() {
        return moves.values();
    }

    /** Removes and returns the claims whose expiry is at or before {@code now}, oldest expiry first. */
    List<Claim> takeExpired(long now) {
        List<Claim> expired = null;
        while (!timers.isEmpty() && timers.peekKey() <= now) {
            Claim c = active.get(timers.peekValue());
            timers.pop();
            if (c != null && c.expiresAt <= now) {
                active.remove(c.seq);
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(c);
            }
        }
        return expired == null ? List.of() : expired;
    }

    int size() {
        return active.size();
    }

    /** The earliest expiry any active claim may have (a renewed claim can make it early, never late). */
    long nextExpiry() {
        return active.isEmpty() || timers.isEmpty() ? Long.MAX_VALUE : timers.peekKey();
    }

    /** Active claims in sequence order (for snapshots, which must be canonical). */
    List<Claim> sorted() {
        List<Claim> all = new ArrayList<>(active.values());
        all.sort((a, b) -> Long.compare(a.seq, b.seq));
        return all;
    }
}
