package io.baton.broker.runtime;

/**
 * What the slots served here tell the metrics as they run (slot threads). Both callbacks are
 * cheap and never block: they run on the thread that decides every command of the slot.
 */
public interface SlotObserver {
    /** Tells nobody anything. */
    SlotObserver NONE = new SlotObserver() { };

    /** A release decided here makes its job wait {@code millis} before it is free again (a retry backoff). */
    default void retryDelay(long millis) {
    }

    /**
     * Workers waiting on a queue were woken {@code millis} after the time their timer was set for:
     * a claim's lease running out, or a delayed or backed-off message falling due. What that adds
     * to a due job's wait is the timer's and the slot thread's delay; the claim's own durability
     * comes after it and is timed as every append is.
     */
    default void wakeLateness(long millis) {
    }
}
