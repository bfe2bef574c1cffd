package io.baton.broker.log;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a large file (a snapshot) to disk as it goes, a chunk at a time, instead of leaving all
 * of it dirty in the page cache for one fsync at the end. On ext4 (ordered data), the journal's
 * fsyncs wait for the data of other files whose blocks their commit allocates: one final fsync of
 * tens of MiB held every durable append of every slot behind it for as long as the disk took to
 * write it all. Flushed a chunk at a time, an append waits for at most about a chunk.
 *
 * <p>Not thread-safe; one writer.
 */
final class WritebackPacer extends FilterOutputStream {
    /** Bytes written between flushes: a few milliseconds of this disk's sequential writes. */
    static final long CHUNK = 1L << 20;

    /** Makes what was written so far durable (a file channel's {@code force(false)}). */
    interface Flush {
        void run() throws IOException;
    }

    private final Flush flush;
    private final long chunk;
    private long unflushed;

    WritebackPacer(OutputStream out, long chunk, Flush flush) {
        super(out);
        this.flush = flush;
        this.chunk = chunk;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        written(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written(len);
    }

    private void written(int n) throws IOException {
        unflushed += n;
        if (unflushed >= chunk) {
            unflushed = 0;
            out.flush();
            flush.run();
        }
    }
}
