package io.baton.sdk;

import java.time.Duration;
import java.util.Objects;

/**
 * A message to post: its TTL in seconds, its body (one JSON value as text) and its delay: how many
 * seconds after it is posted it may first be claimed, up to its TTL. {@link #QUEUE_DELAY}, the
 * default, leaves the delay to the queue's {@code _default_message_delay} metadata (none unless set).
 */
public record NewMessage(long ttlSeconds, String bodyJson, long delaySeconds) {
    /** The delay the queue's metadata gives ({@code _default_message_delay}; none if unset). */
    public static final long QUEUE_DELAY = -1;

    public NewMessage {
        Objects.requireNonNull(bodyJson, "bodyJson");
        if (delaySeconds < QUEUE_DELAY) {
            throw new IllegalArgumentException("a delay may not be negative: " + delaySeconds);
        }
    }

    /** A message claimable at once, or after the queue's default delay. */
    public NewMessage(long ttlSeconds, String bodyJson) {
        this(ttlSeconds, bodyJson, QUEUE_DELAY);
    }

    /** This message, first claimable {@code delay} (whole seconds, rounded up) after it is posted. */
    public NewMessage withDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay may not be negative: " + delay);
        }
        long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
        return new NewMessage(ttlSeconds, bodyJson, seconds);
    }
}
