package io.baton.gateway.v1;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Query parameters (spec 1.6): empty values count as absent, integers are decimal with an optional
 * sign, booleans are strict, {@code ids} may be comma-separated, repeated, or both. Unknown
 * parameters are ignored.
 */
final class Params {
    private final Map<String, List<String>> values;

    private Params(Map<String, List<String>> values) {
        this.values = values;
    }

    static Params of(String uri) {
        try {
            return new Params(new QueryStringDecoder(uri).parameters());
        } catch (IllegalArgumentException e) {
            throw V1Error.query("The query string is not valid percent-encoding.");
        }
    }

    /** The last non-empty value of {@code name}, or null. */
    String get(String name) {
        List<String> vs = values.get(name);
        if (vs == null) {
            return null;
        }
        for (int i = vs.size() - 1; i >= 0; i--) {
            if (!vs.get(i).isEmpty()) {
                return vs.get(i);
            }
        }
        return null;
    }

    boolean has(String name) {
        return get(name) != null;
    }

    /** An integer in {@code [min, max]}, or {@code dflt} when absent. */
    int intIn(String name, int min, int max, int dflt, String what) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        if (!v.matches("[+-]?[0-9]+")) {
            throw V1Error.query("The value of the \"" + name + "\" query parameter must be an integer.");
        }
        long n;
        try {
            n = Long.parseLong(v.startsWith("+") ? v.substring(1) : v);
        } catch (NumberFormatException e) {
            n = v.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (n < min || n > max) {
            throw V1Error.invalid(what + " must be at least " + min + " and may not be greater than " + max + ".");
        }
        return (int) n;
    }

    /** A boolean, or {@code dflt} when absent; anything but the accepted spellings is a 400. */
    boolean bool(String name, boolean dflt) {
        String v = get(name);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw V1Error.query("The value of the \"" + name + "\" query parameter must be a boolean.");
        };
    }

    /** Every id given, in order: comma-separated items of every {@code ids} value, empty items dropped. */
    List<String> ids() {
        List<String> out = new ArrayList<>();
        List<String> vs = values.get("ids");
        if (vs != null) {
            for (String v : vs) {
                for (String item : v.split(",")) {
                    if (!item.isEmpty()) {
                        out.add(item);
                    }
                }
            }
        }
        return out;
    }
}
