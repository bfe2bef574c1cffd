package io.baton.broker.log;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The checksummed frame the journal and the slot segments share:
 * {@code [payload length:int][crc32c(key, payload):int][key][payload]}. The key is the record's
 * position in a slot segment (8 bytes) and the slot in the journal (4 bytes), and it is covered by
 * the checksum, so a frame read at the wrong position or for the wrong slot fails its check like a
 * damaged one.
 */
final class Frames {
    /** Slot segments: the key is the record's position. */
    static final Frames SEGMENT = new Frames(8, 64 << 20);
    /** The journal: the key is the slot; the payload is a run of that slot's segment frames. */
    static final Frames JOURNAL = new Frames(4, 256 << 20);

    final int keyBytes;
    /** Bytes before the payload. */
    final int header;
    final int maxPayload;

    private Frames(int keyBytes, int maxPayload) {
        this.keyBytes = keyBytes;
        this.header = 8 + keyBytes;
        this.maxPayload = maxPayload;
    }

    int checksum(CRC32C crc, long key, byte[] payload, int off, int len) {
        crc.reset();
        ByteBuffer k = ByteBuffer.allocate(keyBytes);
        if (keyBytes == 8) {
            k.putLong(0, key);
        } else {
            k.putInt(0, (int) key);
        }
        crc.update(k);
        crc.update(payload, off, len);
        return (int) crc.getValue();
    }

    /** Writes the header of a frame for {@code payload[off, off + len)} at {@code dst[at]}. */
    void putHeader(CRC32C crc, byte[] dst, int at, long key, byte[] payload, int off, int len) {
        ByteBuffer b = ByteBuffer.wrap(dst, at, header);
        b.putInt(len).putInt(checksum(crc, key, payload, off, len));
        if (keyBytes == 8) {
            b.putLong(key);
        } else {
            b.putInt((int) key);
        }
    }

    /** A frame as read: its key, its payload and the offset of its header in the stream. */
    record Frame(long key, byte[] payload, long offset) {}

    Reader reader(InputStream in) {
        return new Reader(in);
    }

    /**
     * Reads frames in order and stops at the first that is short, implausible or fails its
     * checksum, saying which. What comes after such a frame is never read: the caller decides
     * whether it is a torn tail or damage.
     */
    final class Reader implements AutoCloseable {
        private final DataInputStream in;
        private final CRC32C crc = new CRC32C();
        private long valid;
        private String damage;

        private Reader(InputStream raw) {
            this.in = new DataInputStream(raw instanceof BufferedInputStream ? raw : new BufferedInputStream(raw, 1 << 16));
        }

        /** The next good frame, or null at the end (a clean end if {@link #damage()} is null). */
        Frame next() throws IOException {
            return next(Long.MIN_VALUE);
        }

        /**
         * As {@link #next()}, but a frame whose key is at or below {@code uncheckedUpTo} is taken
         * on its header alone (its payload is not checked): a slot's records that its snapshot
         * already holds, where only the frames after them matter.
         */
        Frame next(long uncheckedUpTo) throws IOException {
            if (damage != null) {
                return null;
            }
            int len;
            try {
                len = in.readInt();
            } catch (EOFException e) {
                return null;
            }
            try {
                int checksum = in.readInt();
                long key = keyBytes == 8 ? in.readLong() : in.readInt();
                if (len < 0 || len > maxPayload) {
                    damage = "implausible frame length " + len;
                    return null;
                }
                byte[] payload = new byte[len];
                in.readFully(payload);
                if (key > uncheckedUpTo && checksum(crc, key, payload, 0, len) != checksum) {
                    damage = "checksum mismatch";
                    return null;
                }
                Frame f = new Frame(key, payload, valid);
                valid += header + len;
                return f;
            } catch (EOFException e) {
                damage = "frame cut short";
                return null;
            }
        }

        /** Bytes of the good frames read so far: where a damaged frame starts. */
        long validBytes() {
            return valid;
        }

        /** Why reading stopped early; null while it has not. */
        String damage() {
            return damage;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
