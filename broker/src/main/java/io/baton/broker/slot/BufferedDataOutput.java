package io.baton.broker.slot;

import java.io.IOException;
import java.io.OutputStream;

/**
 * {@link ArrayDataOutput} over a stream: the array is a buffer that goes to the stream when full
 * and at {@link #flush}. How snapshots are written.
 */
public final class BufferedDataOutput extends ArrayDataOutput {
    private final OutputStream out;

    public BufferedDataOutput(OutputStream out, int bufferSize) {
        super(bufferSize);
        this.out = out;
    }

    /** Writes what is buffered to the stream, then flushes the stream. */
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    @Override
    protected void room(int n) throws IOException {
        if (buf.length - pos < n) {
            drain();
        }
    }

    @Override
    protected void writeLarge(byte[] b, int off, int len) throws IOException {
        drain();
        if (len >= buf.length) { // larger than the buffer: straight through, no copy
            out.write(b, off, len);
        } else {
            System.arraycopy(b, off, buf, 0, len);
            pos = len;
        }
    }
}
