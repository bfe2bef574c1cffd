package io.baton.broker.rpc;

/**
 * The claim ids of attempts in ledgers, encoded once. A failing job's ledger goes out with each of
 * its pushes, naming every earlier attempt's claim, and each claim id costs AES blocks to encode:
 * a job pushed for the third time would otherwise encode its first claim's id a third time.
 *
 * <p>Direct-mapped and bounded ({@link #SIZE} entries): a collision or a lost race only means
 * encoding again. Threads: any; the table is read and written without locks on purpose, as its
 * entries are immutable (a record's fields are final, so a reader never sees one half built).
 */
final class AttemptClaimIds {
    static final int SIZE = 4096;

    private record Entry(int slot, long seq, String id) {}

    private final IdCodec ids;
    private final Entry[] entries = new Entry[SIZE];

    AttemptClaimIds(IdCodec ids) {
        this.ids = ids;
    }

    String claimId(int slot, long seq) {
        int i = indexOf(slot, seq);
        Entry e = entries[i];
        if (e != null && e.seq == seq && e.slot == slot) {
            return e.id;
        }
        String id = ids.claimId(slot, seq);
        entries[i] = new Entry(slot, seq, id);
        return id;
    }

    /** Remembers an id encoded elsewhere (a push's claim, which its ledger names as the running attempt). */
    void remember(int slot, long seq, String id) {
        entries[indexOf(slot, seq)] = new Entry(slot, seq, id);
    }

    private static int indexOf(int slot, long seq) {
        long h = (seq ^ ((long) slot << 40)) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 52); // the top 12 bits: SIZE is 2^12
    }
}
