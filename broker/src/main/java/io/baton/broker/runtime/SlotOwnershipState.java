package io.baton.broker.runtime;

import java.util.EnumSet;
import java.util.Set;

/** The lifecycle of a slot on this broker, from assignment to hand-over. */
public enum SlotOwnershipState {
    /** Assigned here; replaying the log. Requests are refused with UNAVAILABLE (retry). */
    RECOVERING,
    /** Deciding commands. */
    SERVING,
    /** ZooKeeper connection suspended: this broker may no longer own the slot, so it stops answering. */
    SUSPENDED,
    /** Stopped: reassigned, session lost, failed and closed, or broker shutting down. Final. */
    RELEASED,
    /**
     * Its log could not make records durable, or replay failed: it refuses everything. Its log is
     * then closed (RELEASED) and the slot reopened as a new instance.
     */
    FAILED;

    public Set<SlotOwnershipState> legalNext() {
        return switch (this) {
            case RECOVERING -> EnumSet.of(SERVING, RELEASED, FAILED);
            case SERVING -> EnumSet.of(SUSPENDED, RELEASED, FAILED);
            case SUSPENDED -> EnumSet.of(SERVING, RELEASED, FAILED);
            case FAILED -> EnumSet.of(RELEASED);
            case RELEASED -> EnumSet.noneOf(SlotOwnershipState.class);
        };
    }

    public boolean canBecome(SlotOwnershipState next) {
        return legalNext().contains(next);
    }
}
