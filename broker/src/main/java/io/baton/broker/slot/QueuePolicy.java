package io.baton.broker.slot;

import java.nio.charset.StandardCharsets;

/**
 * The queue policies a queue's metadata sets, under the reserved names of the Zaqar v2 API (keys
 * starting with {@code _}), read from the metadata JSON when it is set. A policy key with a value
 * of the wrong kind is refused then ({@link #check}), so reading never fails.
 *
 * <p>{@code defaultDelay}: seconds a message posted without a delay waits. {@code maxClaimCount}
 * and {@code deadLetterQueue}, both set: a message claimed that many times goes to that queue (of
 * the same project) instead of being claimed again, with a TTL of {@code deadLetterTtl} seconds
 * (0: its own). {@code retryInitialMillis} (0: none) and {@code retryMaxMillis}: how long a job a
 * worker released after a failure waits, by attempt (see {@link #retryDelay}).
 */
record QueuePolicy(int defaultDelay, int maxClaimCount, String deadLetterQueue, int deadLetterTtl, long retryInitialMillis,
                   long retryMaxMillis, int maxSilentExpiries) {
    static final QueuePolicy NONE = new QueuePolicy(0, 0, null, 0, 0, 0, 0);
    static final String MAX_SILENT = io.baton.api.QueuePolicyKeys.MAX_SILENT_LEASE_EXPIRIES;
    static final String RETRY_INITIAL = io.baton.api.QueuePolicyKeys.RETRY_BACKOFF_INITIAL_MS;
    static final String RETRY_MAX = io.baton.api.QueuePolicyKeys.RETRY_BACKOFF_MAX_MS;
    /** The longest first retry backoff a queue may set: an hour. */
    static final long RETRY_INITIAL_LIMIT = 3_600_000;
    /** The longest backoff when only the first one is set. */
    static final long RETRY_MAX_DEFAULT = 300_000;

    /**
     * How long the job released after attempt {@code attempt} (1 for its first) waits: exponential
     * backoff with full jitter, a uniform draw from [0, min(max, initial * 2^(attempt-1))]. The
     * draw is a function of {@code seed} (the claim's sequence: unique), so a decision is
     * reproducible; it is logged either way. 0 without a retry policy.
     */
    long retryDelay(int attempt, long seed) {
        if (retryInitialMillis <= 0) {
            return 0;
        }
        long cap = retryInitialMillis;
        for (int k = 1; k < attempt && cap < retryMaxMillis; k++) {
            cap *= 2;
        }
        cap = Math.min(cap, retryMaxMillis);
        return new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L).nextLong(cap + 1);
    }

    static final String DEFAULT_MESSAGE_DELAY = io.baton.api.QueuePolicyKeys.DEFAULT_MESSAGE_DELAY;
    static final String MAX_CLAIM_COUNT = io.baton.api.QueuePolicyKeys.MAX_CLAIM_COUNT;
    static final String DEAD_LETTER_QUEUE = io.baton.api.QueuePolicyKeys.DEAD_LETTER_QUEUE;
    static final String DEAD_LETTER_TTL = io.baton.api.QueuePolicyKeys.DEAD_LETTER_QUEUE_MESSAGES_TTL;

    /** The most claims {@link #MAX_CLAIM_COUNT} may allow. */
    static final int MAX_CLAIM_COUNT_LIMIT = 1_000_000;

    /** Whether messages claimed too often go to a dead-letter queue (both keys must be set, as in Zaqar). */
    boolean deadLetters() {
        return (maxClaimCount > 0 || maxSilentExpiries > 0) && deadLetterQueue != null;
    }

    /**
     * Whether a message claimed {@code claims} times, {@code silent} of them ending with no
     * extension ever, goes to the dead-letter queue instead of its next claim.
     */
    boolean overLimit(int claims, int silent) {
        return deadLetters() && (maxClaimCount > 0 && claims >= maxClaimCount || maxSilentExpiries > 0 && silent >= maxSilentExpiries);
    }

    /** The policies {@code json} (checked by {@link #check}) sets. */
    static QueuePolicy of(byte[] json) {
        String dlq = stringOf(json, DEAD_LETTER_QUEUE);
        long initial = longOf(json, RETRY_INITIAL, 0);
        long max = longOf(json, RETRY_MAX, Math.max(initial, RETRY_MAX_DEFAULT));
        return new QueuePolicy((int) longOf(json, DEFAULT_MESSAGE_DELAY, 0), (int) longOf(json, MAX_CLAIM_COUNT, 0),
                dlq, (int) longOf(json, DEAD_LETTER_TTL, 0), initial, Math.max(initial, max), (int) longOf(json, MAX_SILENT, 0));
    }

    /** Why {@code json}, the metadata of queue {@code queue}, sets a policy wrongly, or null. */
    static String check(byte[] json, String queue, SlotLimits limits) {
        String wrong = checkWhole(json, DEFAULT_MESSAGE_DELAY, 0, limits.messageTtlMaxSeconds(), "seconds");
        if (wrong == null) {
            wrong = checkWhole(json, MAX_CLAIM_COUNT, 1, MAX_CLAIM_COUNT_LIMIT, "claims");
        }
        if (wrong == null) {
            wrong = checkWhole(json, DEAD_LETTER_TTL, limits.messageTtlMinSeconds(), limits.messageTtlMaxSeconds(), "seconds");
        }
        if (wrong == null) {
            wrong = checkWhole(json, MAX_SILENT, 1, MAX_CLAIM_COUNT_LIMIT, "expiries");
        }
        if (wrong == null) {
            wrong = checkWhole(json, RETRY_INITIAL, 1, RETRY_INITIAL_LIMIT, "milliseconds");
        }
        if (wrong == null) {
            long initial = longOf(json, RETRY_INITIAL, 1);
            wrong = checkWhole(json, RETRY_MAX, initial, limits.messageTtlMaxSeconds() * 1000L, "milliseconds");
        }
        String raw = rawValue(json, DEAD_LETTER_QUEUE);
        if (wrong == null && raw != null) {
            String name = stringOf(json, DEAD_LETTER_QUEUE);
            if (name == null || !io.baton.api.QueueNames.isValid(name)) {
                wrong = DEAD_LETTER_QUEUE + " must be the name of a queue of the same project (a string of at most 64 ASCII"
                        + " letters, digits, underscores and dashes).";
            } else if (name.equals(queue)) {
                wrong = DEAD_LETTER_QUEUE + " may not name the queue itself.";
            }
        }
        return wrong;
    }

    private static String checkWhole(byte[] json, String key, long min, long max, String unit) {
        String raw = rawValue(json, key);
        if (raw == null) {
            return null;
        }
        long v;
        try {
            v = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return key + " must be a whole number of " + unit + ".";
        }
        if (v < min || v > max) {
            return key + " must be between " + min + " and " + max + " " + unit + ".";
        }
        return null;
    }

    /** The whole number {@code key} holds at the top level of {@code json}, or {@code otherwise}. */
    static long longOf(byte[] json, String key, long otherwise) {
        String raw = rawValue(json, key);
        if (raw == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The string {@code key} holds at the top level of {@code json} if it has no escapes, else null. */
    static String stringOf(byte[] json, String key) {
        String raw = rawValue(json, key);
        if (raw == null || raw.length() < 2 || raw.charAt(0) != '"' || raw.charAt(raw.length() - 1) != '"'
                || raw.indexOf('\\') >= 0) {
            return null;
        }
        return raw.substring(1, raw.length() - 1);
    }

    /**
     * The text of the value of {@code key} at the top level of the JSON object {@code json} (a
     * number's digits, a string with its quotes, an object or array whole), or null if absent.
     */
    static String rawValue(byte[] json, String key) {
        String s = new String(json, StandardCharsets.UTF_8);
        int i = skipSpace(s, 0);
        if (i >= s.length() || s.charAt(i) != '{') {
            return null;
        }
        i++;
        while (true) {
            i = skipSpace(s, i);
            if (i >= s.length() || s.charAt(i) != '"') {
                return null;
            }
            int keyEnd = skipString(s, i);
            String name = s.substring(i + 1, keyEnd - 1);
            i = skipSpace(s, keyEnd);
            if (i >= s.length() || s.charAt(i) != ':') {
                return null;
            }
            int start = skipSpace(s, i + 1);
            int end = skipValue(s, start);
            if (name.equals(key)) {
                return s.substring(start, end).trim();
            }
            i = skipSpace(s, end);
            if (i >= s.length() || s.charAt(i) != ',') {
                return null;
            }
            i++;
        }
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index after the string starting at {@code i} (a quote). */
    private static int skipString(String s, int i) {
        for (int k = i + 1; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '\\') {
                k++;
            } else if (c == '"') {
                return k + 1;
            }
        }
        return s.length();
    }

    /** The index after the value starting at {@code i}. */
    private static int skipValue(String s, int i) {
        int depth = 0;
        int k = i;
        while (k < s.length()) {
            char c = s.charAt(k);
            if (c == '"') {
                k = skipString(s, k);
                if (depth == 0) {
                    return k;
                }
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return k;
                }
                depth--;
                if (depth == 0) {
                    return k + 1;
                }
            } else if (c == ',' && depth == 0) {
                return k;
            }
            k++;
        }
        return k;
    }
}
