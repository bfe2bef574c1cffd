package io.baton.broker.log;

/**
 * Says when a failure that repeats (a full or failing disk refuses every commit until it is freed)
 * is worth a full log entry: the first, then at most one per interval, each reporting how many
 * went unlogged since. One log line with a stack trace per failed commit buried the cause under
 * thousands of copies. Not thread-safe: one caller thread.
 */
final class RepeatedFailures {
    private final long intervalNanos;
    private long lastLogged;
    private boolean any;
    private long suppressed;

    RepeatedFailures(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /**
     * Records a failure at {@code nowNanos}; returns -1 if it should not be logged, else how many
     * failures went unlogged before it.
     */
    long failed(long nowNanos) {
        if (any && nowNanos - lastLogged < intervalNanos) {
            suppressed++;
            return -1;
        }
        any = true;
        lastLogged = nowNanos;
        long before = suppressed;
        suppressed = 0;
        return before;
    }
}
