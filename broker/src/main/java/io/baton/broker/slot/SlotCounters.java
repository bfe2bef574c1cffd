package io.baton.broker.slot;

/** Running totals a slot keeps for metrics. Written by the slot thread only. */
public final class SlotCounters {
    public long messagesPosted;
    public long messagesClaimed;
    public long messagesDeleted;
    public long messagesExpired;
    public long claimsCreated;
    public long claimsExpired;
    /** Messages claimed again after a lease on them lapsed (a worker died or was too slow). */
    public long messagesRedelivered;
}
