package io.baton.api;

import java.util.Set;

/**
 * The reserved queue metadata keys (names starting with {@code _}) Baton gives a meaning, named as
 * in the Zaqar v2 API. The v1 API reserves every such key; a queue's metadata may set these, and
 * any other reserved key is refused (so a later version can still give it a meaning).
 */
public final class QueuePolicyKeys {
    private QueuePolicyKeys() {}

    /** Seconds a message posted without a {@code delay} waits before it may be claimed. */
    public static final String DEFAULT_MESSAGE_DELAY = "_default_message_delay";

    /** How many times a message may be claimed; with {@link #DEAD_LETTER_QUEUE}, it then goes there. */
    public static final String MAX_CLAIM_COUNT = "_max_claim_count";

    /** The queue (same project) a message claimed {@link #MAX_CLAIM_COUNT} times goes to instead of a next claim. */
    public static final String DEAD_LETTER_QUEUE = "_dead_letter_queue";

    /** The TTL, in seconds, a message gets in the dead-letter queue (default: its own). */
    public static final String DEAD_LETTER_QUEUE_MESSAGES_TTL = "_dead_letter_queue_messages_ttl";

    /**
     * Milliseconds a job released by a failed handler waits before its first retry (Baton's own key):
     * the broker then waits a random time up to this doubled per attempt, at most
     * {@link #RETRY_BACKOFF_MAX_MS} (exponential backoff with full jitter).
     */
    public static final String RETRY_BACKOFF_INITIAL_MS = "_retry_backoff_initial_ms";

    /** The longest retry backoff, in milliseconds (default: 300,000, or the initial backoff if longer). */
    public static final String RETRY_BACKOFF_MAX_MS = "_retry_backoff_max_ms";

    /**
     * Baton's own: with {@link #DEAD_LETTER_QUEUE}, a message whose leases ran out this many times with
     * no extension ever (a job that crashes or hangs its worker) goes there before its claim limit.
     */
    public static final String MAX_SILENT_LEASE_EXPIRIES = "_max_silent_lease_expiries";

    public static final Set<String> KNOWN = Set.of(DEFAULT_MESSAGE_DELAY, MAX_CLAIM_COUNT, DEAD_LETTER_QUEUE,
            DEAD_LETTER_QUEUE_MESSAGES_TTL, RETRY_BACKOFF_INITIAL_MS, RETRY_BACKOFF_MAX_MS, MAX_SILENT_LEASE_EXPIRIES);

    /** Whether metadata may hold top-level key {@code name}. */
    public static boolean allowed(String name) {
        return !name.startsWith("_") || KNOWN.contains(name);
    }

    /** The error for a reserved key Baton does not know. */
    public static String refusal(String name) {
        return "Metadata key \"" + name + "\" is reserved (keys starting with '_' are); the queue policies that may be set are: "
                + String.join(", ", new java.util.TreeSet<>(KNOWN)) + ".";
    }
}
