package io.baton.api;

import java.util.Locale;

/** Sizes as operators write them: "512k", "256m", "4g", "1t" or plain bytes ("1048576"); binary units. */
public final class ByteSizes {
    private ByteSizes() {
    }

    /**
     * The number of bytes {@code value} names.
     *
     * @throws IllegalArgumentException if it is not a size, is negative or overflows
     */
    public static long parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        long unit = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        if (unit > 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new IllegalArgumentException("'" + value + "' is negative");
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + value + "' is not a size (examples: 512k, 256m, 4g)");
        }
    }
}
