package io.baton.broker.slot;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of a claim (a lease). Only an ACTIVE claim holds messages; every other state is
 * final, and a claim id is never reused.
 */
public enum ClaimState {
    /** Holding at least one message and not yet expired (renewal keeps it ACTIVE). */
    ACTIVE,
    /** Released by its holder: its messages were freed at once. */
    RELEASED,
    /** Its TTL ran out: its messages are free again. */
    EXPIRED,
    /** Every message it held was deleted (acknowledged) or expired. */
    EMPTIED;

    public Set<ClaimState> legalNext() {
        return this == ACTIVE ? EnumSet.allOf(ClaimState.class) : EnumSet.of(this);
    }

    public boolean canBecome(ClaimState next) {
        return legalNext().contains(next);
    }
}
