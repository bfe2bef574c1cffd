package io.baton.broker.slot;

import java.util.HashMap;

/**
 * One copy of each error class and message the slot's attempt ledgers hold: failing jobs repeat
 * the same few (a timeout, a parse error), and a copy per attempt would cost more than the rest of
 * the ledger. Bounded: past {@value #MAX} distinct strings, new ones are kept as they come.
 */
final class Interner {
    static final int MAX = 4096;
    private final HashMap<String, String> strings = new HashMap<>();

    String intern(String s) {
        if (s == null) {
            return null;
        }
        String seen = strings.get(s);
        if (seen != null) {
            return seen;
        }
        if (strings.size() < MAX) {
            strings.put(s, s);
        }
        return s;
    }

    Attempt intern(Attempt a) {
        String ec = intern(a.errorClass());
        String em = intern(a.errorMessage());
        return ec == a.errorClass() && em == a.errorMessage() ? a
                : new Attempt(a.number(), a.slot(), a.claimSeq(), a.startedAt(), a.endedAt(), a.outcome(), ec, em);
    }
}
