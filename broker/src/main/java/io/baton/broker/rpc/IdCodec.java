package io.baton.broker.rpc;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message and claim ids as clients see them: capabilities that cannot be guessed, and that say
 * nothing about the slot's traffic. Inside, an id names its slot and a sequence number of that
 * slot, which every tenant of the slot shares, so the sequence is encrypted under the cluster's id
 * key (AES; {@link io.baton.broker.cluster.IdKey}) together with redundancy that decryption checks:
 *
 * <ul>
 *   <li>message id: the slot (4 hex digits, for routing) and one AES block over sequence, slot and
 *       48 zero bits (32 hex digits): 36 characters;
 *   <li>claim id: as a message id under another key, then a 96-bit tag (the first 12 bytes of a
 *       third key's AES block over the encrypted part): 60 characters. The v1 API treats a claim id
 *       as the right to delete and renew, so forging one means guessing those 96 bits besides the
 *       64 of redundancy.
 * </ul>
 *
 * <p>Every broker of a cluster uses the same key, so any of them decodes the ids of another (moves
 * carry ledgers with claim ids). An id that does not decode is an id that was never issued.
 * Threads: any (ciphers are per thread).
 */
public final class IdCodec {
    public static final int MESSAGE_ID_LENGTH = 4 + 32;
    public static final int CLAIM_ID_LENGTH = 4 + 32 + 24;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final SecretKeySpec messageKey;
    private final SecretKeySpec claimKey;
    private final SecretKeySpec tagKey;
    private final ThreadLocal<Ciphers> ciphers;

    /** The AES ciphers of one thread. */
    private static final class Ciphers {
        final Cipher messageEncrypt;
        final Cipher messageDecrypt;
        final Cipher claimEncrypt;
        final Cipher claimDecrypt;
        final Cipher tag;

        Ciphers(IdCodec c) throws GeneralSecurityException {
            messageEncrypt = cipher(Cipher.ENCRYPT_MODE, c.messageKey);
            messageDecrypt = cipher(Cipher.DECRYPT_MODE, c.messageKey);
            claimEncrypt = cipher(Cipher.ENCRYPT_MODE, c.claimKey);
            claimDecrypt = cipher(Cipher.DECRYPT_MODE, c.claimKey);
            tag = cipher(Cipher.ENCRYPT_MODE, c.tagKey);
        }

        private static Cipher cipher(int mode, SecretKeySpec key) throws GeneralSecurityException {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(mode, key);
            return c;
        }
    }

    /** {@code key}: the cluster's id key, 48 bytes (three AES-128 keys). */
    public IdCodec(byte[] key) {
        if (key.length != 48) {
            throw new IllegalArgumentException("an id key is 48 bytes");
        }
        this.messageKey = new SecretKeySpec(Arrays.copyOfRange(key, 0, 16), "AES");
        this.claimKey = new SecretKeySpec(Arrays.copyOfRange(key, 16, 32), "AES");
        this.tagKey = new SecretKeySpec(Arrays.copyOfRange(key, 32, 48), "AES");
        this.ciphers = ThreadLocal.withInitial(() -> {
            try {
                return new Ciphers(this);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("every Java platform has AES", e);
            }
        });
    }

    public String messageId(int slot, long seq) {
        char[] out = new char[MESSAGE_ID_LENGTH];
        writeSlot(out, slot);
        writeHex(out, 4, seal(ciphers.get().messageEncrypt, slot, seq));
        return new String(out);
    }

    /** The sequence of a message id {@code slot} issued, or -1 for anything else. */
    public long messageSeq(String id, int slot) {
        if (id == null || id.length() != MESSAGE_ID_LENGTH || slotOf(id) != slot) {
            return -1;
        }
        byte[] block = readHex(id, 4, 16);
        return block == null ? -1 : open(ciphers.get().messageDecrypt, block, slot);
    }

    public String claimId(int slot, long seq) {
        Ciphers c = ciphers.get();
        byte[] sealed = seal(c.claimEncrypt, slot, seq);
        char[] out = new char[CLAIM_ID_LENGTH];
        writeSlot(out, slot);
        writeHex(out, 4, sealed);
        writeHex(out, 36, Arrays.copyOf(tag(c, sealed), 12));
        return new String(out);
    }

    /** The sequence of a claim id {@code slot} issued, or -1 for anything else (a forged tag included). */
    public long claimSeq(String id, int slot) {
        if (id == null || id.length() != CLAIM_ID_LENGTH || slotOf(id) != slot) {
            return -1;
        }
        byte[] sealed = readHex(id, 4, 16);
        byte[] given = readHex(id, 36, 12);
        if (sealed == null || given == null) {
            return -1;
        }
        Ciphers c = ciphers.get();
        if (!MessageDigest.isEqual(given, Arrays.copyOf(tag(c, sealed), 12))) {
            return -1;
        }
        return open(c.claimDecrypt, sealed, slot);
    }

    /** The slot named by an id's first four hex digits, or -1. */
    public static int slotOf(String id) {
        if (id == null || id.length() < 4) {
            return -1;
        }
        int slot = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(id.charAt(i), 16);
            if (d < 0 || Character.isUpperCase(id.charAt(i))) {
                return -1;
            }
            slot = slot << 4 | d;
        }
        return slot;
    }

    private static byte[] seal(Cipher encrypt, int slot, long seq) {
        if (slot < 0 || slot > 0xFFFF || seq < 0) {
            throw new IllegalArgumentException("slot or sequence out of range");
        }
        byte[] plain = new byte[16];
        for (int i = 0; i < 8; i++) {
            plain[i] = (byte) (seq >>> (56 - 8 * i));
        }
        plain[8] = (byte) (slot >>> 8);
        plain[9] = (byte) slot;
        return crypt(encrypt, plain);
    }

    /** The sequence in a sealed block of {@code slot}, or -1 when its redundancy does not check. */
    private static long open(Cipher decrypt, byte[] sealed, int slot) {
        byte[] plain = crypt(decrypt, sealed);
        if ((plain[8] & 0xFF) != (slot >>> 8) || (plain[9] & 0xFF) != (slot & 0xFF)) {
            return -1;
        }
        for (int i = 10; i < 16; i++) {
            if (plain[i] != 0) {
                return -1;
            }
        }
        long seq = 0;
        for (int i = 0; i < 8; i++) {
            seq = seq << 8 | (plain[i] & 0xFF);
        }
        return seq < 0 ? -1 : seq;
    }

    private static byte[] tag(Ciphers c, byte[] sealed) {
        return crypt(c.tag, sealed);
    }

    private static byte[] crypt(Cipher c, byte[] block) {
        try {
            return c.doFinal(block);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES on one block cannot fail", e);
        }
    }

    private static void writeSlot(char[] out, int slot) {
        for (int i = 3; i >= 0; i--) {
            out[i] = HEX[(slot >>> ((3 - i) * 4)) & 0xF];
        }
    }

    private static void writeHex(char[] out, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            out[at + 2 * i] = HEX[(bytes[i] >>> 4) & 0xF];
            out[at + 2 * i + 1] = HEX[bytes[i] & 0xF];
        }
    }

    /** {@code n} bytes from lowercase hex at {@code at}, or null if any digit is not one. */
    private static byte[] readHex(String s, int at, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int hi = lowerHex(s.charAt(at + 2 * i));
            int lo = lowerHex(s.charAt(at + 2 * i + 1));
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    private static int lowerHex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }
}
