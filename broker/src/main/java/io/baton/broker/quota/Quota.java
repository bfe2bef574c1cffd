package io.baton.broker.quota;

/**
 * The most one project may hold across the cluster: waiting messages and bytes of their bodies.
 * {@link Long#MAX_VALUE} leaves that dimension unlimited.
 */
public record Quota(long maxMessages, long maxBytes) {
    public static final Quota UNLIMITED = new Quota(Long.MAX_VALUE, Long.MAX_VALUE);

    public Quota {
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a quota must allow at least one message and one byte");
        }
    }

    public boolean unlimited() {
        return maxMessages == Long.MAX_VALUE && maxBytes == Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        if (unlimited()) {
            return "no limit";
        }
        return "at most " + (maxMessages == Long.MAX_VALUE ? "any number of" : maxMessages) + " messages and "
                + (maxBytes == Long.MAX_VALUE ? "any number of" : maxBytes) + " bytes";
    }
}
