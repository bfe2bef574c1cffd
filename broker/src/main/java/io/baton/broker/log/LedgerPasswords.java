package io.baton.broker.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The passwords of a cluster's BookKeeper ledgers: a bookie refuses to fence, recover or write a
 * ledger for a client that does not know the password it was created with, so a client that can
 * reach the bookies but not the secret cannot take a slot log over. New ledgers get
 * {@link #current}; existing ones are opened with whichever of {@link #accepted} they were created
 * with, so the password is rotated by putting the new one first and keeping the old one until
 * every ledger made with it is gone (slot logs roll to new ledgers at every checkpoint).
 */
public record LedgerPasswords(List<byte[]> accepted) {
    /** The fixed password of clusters that name no password file. */
    public static final LedgerPasswords DEFAULT = new LedgerPasswords(List.of("baton".getBytes(StandardCharsets.UTF_8)));
    private static final int MIN_LENGTH = 16;

    public LedgerPasswords {
        if (accepted.isEmpty()) {
            throw new IllegalArgumentException("at least one ledger password");
        }
        accepted = List.copyOf(accepted);
    }

    /** The password new ledgers are created with. */
    public byte[] current() {
        return accepted.get(0);
    }

    /**
     * Reads a password file: one password per line, the current one first, then older ones still
     * accepted; each at least 16 characters.
     */
    public static LedgerPasswords read(Path file) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String p = line.strip();
            if (p.isEmpty()) {
                continue;
            }
            if (p.length() < MIN_LENGTH) {
                throw new IOException("a ledger password in " + file + " is shorter than " + MIN_LENGTH + " characters");
            }
            out.add(p.getBytes(StandardCharsets.UTF_8));
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no ledger password");
        }
        return new LedgerPasswords(out);
    }
}
