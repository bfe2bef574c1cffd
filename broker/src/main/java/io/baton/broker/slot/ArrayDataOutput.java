package io.baton.broker.slot;

import java.io.DataOutput;
import java.io.IOException;
import java.io.UTFDataFormatException;

/**
 * {@link DataOutput} into an array of its own, writing exactly the bytes {@code DataOutputStream}
 * writes, without its locks: {@code DataOutputStream} over a {@code BufferedOutputStream} or a
 * {@code ByteArrayOutputStream} takes that stream's monitor on every byte (and on every byte of an
 * int), and records and snapshots are written a few bytes at a time. What happens when the array
 * is full is the subclass's: {@link BufferedDataOutput} hands it to a stream, {@link
 * ByteArrayDataOutput} grows it. One thread only.
 */
public abstract sealed class ArrayDataOutput implements DataOutput permits BufferedDataOutput, ByteArrayDataOutput {
    protected byte[] buf;
    protected int pos;

    ArrayDataOutput(int capacity) {
        if (capacity < 8) {
            throw new IllegalArgumentException("the array holds at least a long");
        }
        this.buf = new byte[capacity];
    }

    /** Makes room for {@code n} more bytes (at most the array's length, which is at least 8). */
    protected abstract void room(int n) throws IOException;

    /** Writes {@code len} bytes at once, when they do not fit in what is left of the array. */
    protected abstract void writeLarge(byte[] b, int off, int len) throws IOException;

    @Override
    public void write(int b) throws IOException {
        if (pos == buf.length) {
            room(1);
        }
        buf[pos++] = (byte) b;
    }

    @Override
    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - pos) {
            writeLarge(b, off, len);
            return;
        }
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    @Override
    public void writeBoolean(boolean v) throws IOException {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(int v) throws IOException {
        write(v);
    }

    @Override
    public void writeShort(int v) throws IOException {
        room(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    @Override
    public void writeChar(int v) throws IOException {
        writeShort(v);
    }

    @Override
    public void writeInt(int v) throws IOException {
        room(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    @Override
    public void writeLong(long v) throws IOException {
        room(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
    }

    @Override
    public void writeFloat(float v) throws IOException {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(double v) throws IOException {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            write(s.charAt(i));
        }
    }

    @Override
    public void writeChars(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            writeChar(s.charAt(i));
        }
    }

    /** Java's modified UTF-8 with a two-byte length, as {@code DataOutputStream.writeUTF}. */
    @Override
    public void writeUTF(String s) throws IOException {
        int n = s.length();
        long encoded = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c == 0) {
                encoded += c >= 0x800 ? 2 : 1;
            }
        }
        if (encoded > 0xFFFF) {
            throw new UTFDataFormatException("encoded string too long: " + encoded + " bytes");
        }
        writeShort((int) encoded);
        if (encoded == n) { // one byte a character (names, ids, error classes): one room check for all
            if (buf.length - pos < n) {
                room(n);
            }
            if (buf.length - pos >= n) {
                for (int i = 0; i < n; i++) {
                    buf[pos + i] = (byte) s.charAt(i);
                }
                pos += n;
                return;
            }
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c != 0 && c < 0x80) {
                write(c);
            } else if (c < 0x800) {
                room(2);
                buf[pos++] = (byte) (0xC0 | (c >> 6));
                buf[pos++] = (byte) (0x80 | (c & 0x3F));
            } else {
                room(3);
                buf[pos++] = (byte) (0xE0 | (c >> 12));
                buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[pos++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }
}
