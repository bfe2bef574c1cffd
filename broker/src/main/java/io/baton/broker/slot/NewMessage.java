package io.baton.broker.slot;

/**
 * A message as posted: its TTL, its body (one JSON value, UTF-8, already validated) and its delay:
 * how many seconds after it is posted it may first be claimed. {@link #QUEUE_DELAY} leaves the
 * delay to the queue's {@code _default_message_delay} (none unless set); a decided record always
 * holds the delay that applies.
 */
public record NewMessage(int ttlSeconds, byte[] body, int delaySeconds) {
    /** The delay the queue's policy gives (0 unless its metadata sets one). */
    public static final int QUEUE_DELAY = -1;

    /** A message with the queue's delay. */
    public NewMessage(int ttlSeconds, byte[] body) {
        this(ttlSeconds, body, QUEUE_DELAY);
    }
}
