package io.baton.broker.slot;

import java.nio.charset.StandardCharsets;

/**
 * The queue policies a queue's metadata may set, under the reserved names of the Zaqar v2 API
 * (keys starting with {@code _}), and reading them from the metadata JSON. The metadata was
 * checked to be a JSON object when it was set; a policy key whose value is not a whole number is
 * refused then ({@link #check}), so reading never fails.
 */
final class QueuePolicy {
    private QueuePolicy() {}

    static final String DEFAULT_MESSAGE_DELAY = io.baton.api.QueuePolicyKeys.DEFAULT_MESSAGE_DELAY;

    /**
     * Why {@code json} sets a policy wrongly, or null. {@code maxDelaySeconds} bounds the delay.
     */
    static String check(byte[] json, long maxDelaySeconds) {
        String raw = rawValue(json, DEFAULT_MESSAGE_DELAY);
        if (raw == null) {
            return null;
        }
        long v;
        try {
            v = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return DEFAULT_MESSAGE_DELAY + " must be a whole number of seconds.";
        }
        if (v < 0 || v > maxDelaySeconds) {
            return DEFAULT_MESSAGE_DELAY + " must be between 0 and " + maxDelaySeconds + " seconds.";
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
