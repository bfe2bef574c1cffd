package io.baton.broker.slot;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of one message. DELETED and EXPIRED are final: a message that reached either is
 * never listed, counted or claimed again. A message posted with a delay starts DELAYED and is
 * DELAYED again only when a claim gives it back with a retry delay.
 */
public enum MessageState {
    DELAYED, FREE, CLAIMED, MOVING, DELETED, EXPIRED;

    public Set<MessageState> legalNext() {
        return switch (this) {
            // DELAYED -> CLAIMED: it fell due and was claimed at once.
            case DELAYED -> EnumSet.of(DELAYED, FREE, CLAIMED, DELETED, EXPIRED);
            // FREE -> MOVING: a claim found it claimed as often as allowed (or a redrive took it).
            case FREE -> EnumSet.of(FREE, CLAIMED, MOVING, DELETED, EXPIRED);
            // MOVING ends only with the message gone from the queue: copied elsewhere, deleted or expired.
            case MOVING -> EnumSet.of(MOVING, DELETED, EXPIRED);
            // CLAIMED -> CLAIMED: renewed, or re-claimed by a new claim after the old one ended.
            // CLAIMED -> DELAYED: released with a retry delay.
            // CLAIMED -> MOVING: released after its last allowed claim, or its worker gave up on it.
            case CLAIMED -> EnumSet.of(CLAIMED, FREE, DELAYED, MOVING, DELETED, EXPIRED);
            case DELETED -> EnumSet.of(DELETED);
            case EXPIRED -> EnumSet.of(EXPIRED);
        };
    }

    public boolean canBecome(MessageState next) {
        return legalNext().contains(next);
    }
}
