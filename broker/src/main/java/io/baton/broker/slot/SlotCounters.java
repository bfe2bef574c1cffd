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
    /** Messages moved to a dead-letter queue (counted where they left). */
    public long messagesDeadLettered;
    /** Messages moved back from a dead-letter queue (counted where they left). */
    public long messagesRedriven;
    /** Messages that arrived by a move (dead-lettered or redriven here). */
    public long messagesMovedIn;
    /** Attempts ended, by {@link AttemptOutcome} ordinal (RUNNING's stays 0). */
    public final long[] attemptsEnded = new long[AttemptOutcome.values().length];

    void attemptEnded(AttemptOutcome outcome) {
        attemptsEnded[outcome.ordinal()]++;
    }

    public long attemptsEnded(AttemptOutcome outcome) {
        return attemptsEnded[outcome.ordinal()];
    }

    /** A snapshot of these totals (for readers on other threads). */
    public SlotCounters copy() {
        SlotCounters c = new SlotCounters();
        c.add(this, new SlotCounters());
        return c;
    }

    /** Adds, field by field, what happened between {@code since} and {@code now}. */
    public void add(SlotCounters now, SlotCounters since) {
        messagesPosted += now.messagesPosted - since.messagesPosted;
        messagesClaimed += now.messagesClaimed - since.messagesClaimed;
        messagesDeleted += now.messagesDeleted - since.messagesDeleted;
        messagesExpired += now.messagesExpired - since.messagesExpired;
        claimsCreated += now.claimsCreated - since.claimsCreated;
        claimsExpired += now.claimsExpired - since.claimsExpired;
        messagesRedelivered += now.messagesRedelivered - since.messagesRedelivered;
        messagesDeadLettered += now.messagesDeadLettered - since.messagesDeadLettered;
        messagesRedriven += now.messagesRedriven - since.messagesRedriven;
        messagesMovedIn += now.messagesMovedIn - since.messagesMovedIn;
        for (int i = 0; i < attemptsEnded.length; i++) {
            attemptsEnded[i] += now.attemptsEnded[i] - since.attemptsEnded[i];
        }
    }
}
