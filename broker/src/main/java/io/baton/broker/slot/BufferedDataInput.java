package io.baton.broker.slot;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * {@link DataInput} over a stream with a buffer of its own and no locks: restoring a snapshot reads
 * a few bytes at a time, tens of millions of times, and {@code DataInputStream} over a
 * {@code BufferedInputStream} takes that stream's monitor on every byte. Over an array (a record
 * being replayed) the array is the buffer. One thread only.
 */
public final class BufferedDataInput implements DataInput {
    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int limit;

    public BufferedDataInput(InputStream in, int bufferSize) {
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    /** Reads {@code data} itself, which must not change meanwhile: no stream, no copy. */
    public BufferedDataInput(byte[] data) {
        this.in = null;
        this.buf = data;
        this.limit = data.length;
    }

    /** Over an array: how many bytes were read so far. */
    public int position() {
        return pos;
    }

    private void fill() throws IOException {
        if (in == null) {
            throw new EOFException();
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            throw new EOFException();
        }
        pos = 0;
        limit = n;
    }

    @Override
    public int readUnsignedByte() throws IOException {
        if (pos == limit) {
            fill();
        }
        return buf[pos++] & 0xff;
    }

    @Override
    public byte readByte() throws IOException {
        return (byte) readUnsignedByte();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readUnsignedByte() != 0;
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (pos == limit) {
                fill();
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public int skipBytes(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readUnsignedByte();
        }
        return n;
    }

    @Override
    public short readShort() throws IOException {
        return (short) readUnsignedShort();
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readUnsignedByte() << 8 | readUnsignedByte();
    }

    @Override
    public char readChar() throws IOException {
        return (char) readUnsignedShort();
    }

    @Override
    public int readInt() throws IOException {
        if (limit - pos >= 4) {
            int v = (buf[pos] & 0xff) << 24 | (buf[pos + 1] & 0xff) << 16 | (buf[pos + 2] & 0xff) << 8 | (buf[pos + 3] & 0xff);
            pos += 4;
            return v;
        }
        return readUnsignedByte() << 24 | readUnsignedByte() << 16 | readUnsignedByte() << 8 | readUnsignedByte();
    }

    @Override
    public long readLong() throws IOException {
        return (long) readInt() << 32 | (readInt() & 0xffff_ffffL);
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    @Override
    public String readLine() {
        throw new UnsupportedOperationException("snapshots hold no lines");
    }

    @Override
    public String readUTF() throws IOException {
        return DataInputStream.readUTF(this);
    }
}
