package io.baton.broker.slot;

import java.util.Arrays;

/** {@link ArrayDataOutput} into an array that grows: how a record is encoded. */
public final class ByteArrayDataOutput extends ArrayDataOutput {
    public ByteArrayDataOutput(int initialCapacity) {
        super(Math.max(8, initialCapacity));
    }

    /** The bytes written so far. */
    public int size() {
        return pos;
    }

    /** A copy of what was written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    @Override
    protected void room(int n) {
        if (buf.length - pos < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    @Override
    protected void writeLarge(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }
}
