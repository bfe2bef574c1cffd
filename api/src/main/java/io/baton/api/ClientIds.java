package io.baton.api;

import java.util.UUID;

/**
 * Client-ID parsing (spec 1.2): the canonical 8-4-4-4-12 form in either case, or 32 bare hex
 * digits (python-zaqarclient's form). Two spellings of one 128-bit value are the same client.
 */
public final class ClientIds {
    private ClientIds() {}

    /** The UUID, or null when {@code text} is neither accepted form. */
    public static UUID parse(String text) {
        if (text == null) {
            return null;
        }
        String hex;
        if (text.length() == 36) {
            if (text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-' || text.charAt(23) != '-') {
                return null;
            }
            hex = text.substring(0, 8) + text.substring(9, 13) + text.substring(14, 18)
                    + text.substring(19, 23) + text.substring(24);
        } else if (text.length() == 32) {
            hex = text;
        } else {
            return null;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 32; i++) {
            char c = hex.charAt(i);
            if (!isAsciiHex(c)) {
                return null;
            }
            int d = Character.digit(c, 16);
            if (i < 16) {
                hi = (hi << 4) | d;
            } else {
                lo = (lo << 4) | d;
            }
        }
        return new UUID(hi, lo);
    }

    private static boolean isAsciiHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
