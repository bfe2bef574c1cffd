package io.baton.broker.log;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/** Streams that count and checksum (CRC32C) what passes through them: how snapshots are written and checked. */
final class Checksummed {
    private Checksummed() {}

    /** Counts and checksums what is written; closing it does not close the stream below. */
    static final class Output extends FilterOutputStream {
        private final CRC32C crc = new CRC32C();
        private long count;

        Output(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            crc.update(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            flush();
        }

        long count() {
            return count;
        }

        int checksum() {
            return (int) crc.getValue();
        }
    }

    /**
     * Gives exactly {@code length} bytes of the stream below and checksums them; {@link #verify}
     * reads what the consumer left and checks length and checksum. Closing it does not close the
     * stream below.
     */
    static final class Input extends FilterInputStream {
        private final CRC32C crc = new CRC32C();
        private final String what;
        private final long length;
        private final int expected;
        private long left;

        Input(InputStream in, long length, int expected, String what) {
            super(in);
            this.length = length;
            this.left = length;
            this.expected = expected;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new LogCorruptedException(what + ": cut short at byte " + (length - left) + " of " + length);
            }
            crc.update(b);
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new LogCorruptedException(what + ": cut short at byte " + (length - left) + " of " + length);
            }
            crc.update(b, off, n);
            left -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // the caller closes the stream below
        }

        /** Reads whatever is left and checks the whole: throws {@link LogCorruptedException} if it is damaged. */
        void verify() throws IOException {
            byte[] buf = new byte[1 << 16];
            while (read(buf, 0, buf.length) >= 0) {
                // drain
            }
            if ((int) crc.getValue() != expected) {
                throw new LogCorruptedException(what + ": fails its checksum");
            }
        }
    }
}
