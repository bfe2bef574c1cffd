package io.baton.api;

/**
 * Message and claim ids. Clients see opaque, URL-safe strings; inside they name the slot that
 * issued them and a per-slot sequence number that is never reused (it is recovered from the slot's
 * log), so any node can route an id and no id can be confused with another.
 *
 * <p>Format: 24 lowercase hex digits (the length Zaqar used): 4 for the slot, 4 reserved (zero),
 * 16 for the sequence.
 */
public final class Ids {
    private Ids() {}

    public static final int LENGTH = 24;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public static String encode(int slot, long sequence) {
        if (slot < 0 || slot > 0xFFFF) {
            throw new IllegalArgumentException("slot out of range: " + slot);
        }
        char[] out = new char[LENGTH];
        for (int i = 3; i >= 0; i--) {
            out[i] = HEX[(slot >>> ((3 - i) * 4)) & 0xF];
        }
        for (int i = 4; i < 8; i++) {
            out[i] = '0';
        }
        for (int i = 0; i < 16; i++) {
            out[LENGTH - 1 - i] = HEX[(int) ((sequence >>> (i * 4)) & 0xF)];
        }
        return new String(out);
    }

    /** The sequence inside {@code id}, or -1 when {@code id} could never have been issued. */
    public static long sequence(String id) {
        if (!wellFormed(id)) {
            return -1;
        }
        long seq = 0;
        for (int i = 8; i < LENGTH; i++) {
            seq = (seq << 4) | Character.digit(id.charAt(i), 16);
        }
        return seq < 0 ? -1 : seq;
    }

    /** The slot inside {@code id}, or -1 when {@code id} is malformed. */
    public static int slot(String id) {
        if (!wellFormed(id)) {
            return -1;
        }
        return Integer.parseInt(id.substring(0, 4), 16);
    }

    public static boolean wellFormed(String id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = id.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return id.startsWith("0000", 4);
    }
}
