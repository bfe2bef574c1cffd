package io.baton.broker.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The real disk, with faults on command: a write or an fsync that fails with ENOSPC or EIO, a
 * write that stops part way, a file that cannot be created. Faults apply to files whose path
 * matches; each fires a given number of times (or until cleared). Everything else goes to the
 * real file.
 *
 * <p>A failed fsync also loses what it was to make durable, as Linux may after EIO (it marks the
 * dirty pages clean, so a later fsync succeeds without them): the file is cut back to its size at
 * its last successful fsync, and what was written since inside that size reads as zeros again
 * (the zeros a preallocated file held there). A reader that trusted the page cache would miss that.
 */
public final class FaultyDisk implements Disk {
    public enum Op { WRITE, FORCE, CREATE, TRUNCATE, FORCE_DIRECTORY }

    public static final String ENOSPC = "No space left on device";
    public static final String EIO = "Input/output error";

    private record Fault(Predicate<Path> where, Op op, String message, int partialBytes, AtomicInteger left) {}

    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final AtomicInteger fired = new AtomicInteger();
    private volatile long usableSpace = -1;

    /**
     * From now on, {@code op} on files matching {@code where} fails {@code times} times (-1: until
     * {@link #clear}) with an IOException saying {@code message}; a failing write first writes
     * {@code partialBytes} of its buffer (0: none).
     */
    public FaultyDisk inject(Predicate<Path> where, Op op, String message, int partialBytes, int times) {
        faults.add(new Fault(where, op, message, partialBytes, new AtomicInteger(times)));
        return this;
    }

    public void clear() {
        faults.clear();
        usableSpace = -1;
    }

    private record Hang(Predicate<Path> where, CountDownLatch released) {}

    private volatile Hang hang;

    /**
     * From now on, fsyncs of files matching {@code where} block (a disk that stopped answering)
     * until the returned latch is counted down; then they go through.
     */
    public CountDownLatch hangForces(Predicate<Path> where) {
        Hang h = new Hang(where, new CountDownLatch(1));
        hang = h;
        return h.released();
    }

    /** How many faults have fired. */
    public int fired() {
        return fired.get();
    }

    /** Reports this much usable space instead of the real figure (-1: the real one). */
    public void usableSpace(long bytes) {
        usableSpace = bytes;
    }

    public static Predicate<Path> under(String directoryName) {
        return p -> {
            for (Path part : p) {
                if (part.toString().equals(directoryName)) {
                    return true;
                }
            }
            return false;
        };
    }

    public static Predicate<Path> named(String suffix) {
        return p -> p.getFileName().toString().endsWith(suffix);
    }

    private Fault due(Path p, Op op) {
        for (Fault f : faults) {
            if (f.op == op && f.where.test(p)) {
                int left = f.left.get();
                if (left == 0) {
                    continue;
                }
                if (left < 0 || f.left.compareAndSet(left, left - 1)) {
                    fired.incrementAndGet();
                    return f;
                }
            }
        }
        return null;
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == java.nio.file.StandardOpenOption.CREATE_NEW || o == java.nio.file.StandardOpenOption.CREATE) {
                Fault f = due(file, Op.CREATE);
                if (f != null) {
                    throw new IOException(f.message);
                }
            }
        }
        return new Channel(file, FileChannel.open(file, options));
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        Fault f = due(dir, Op.FORCE_DIRECTORY);
        if (f != null) {
            throw new IOException(f.message);
        }
        Disk.super.forceDirectory(dir);
    }

    @Override
    public long usableSpace(Path dir) throws IOException {
        long v = usableSpace;
        return v >= 0 ? v : Disk.super.usableSpace(dir);
    }

    private final class Channel extends FileChannel {
        private final Path path;
        private final FileChannel real;
        private long forcedSize;
        /** The lowest offset written since the last successful fsync; MAX_VALUE when none. */
        private long dirtyFrom = Long.MAX_VALUE;

        Channel(Path path, FileChannel real) throws IOException {
            this.path = path;
            this.real = real;
            this.forcedSize = real.size();
        }

        private int writeOrFail(ByteBuffer src, long at) throws IOException {
            dirtyFrom = Math.min(dirtyFrom, at < 0 ? real.position() : at);
            Fault f = due(path, Op.WRITE);
            if (f == null) {
                return at < 0 ? real.write(src) : real.write(src, at);
            }
            int partial = Math.min(f.partialBytes, src.remaining());
            if (partial > 0) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + partial);
                int n = at < 0 ? real.write(part) : real.write(part, at);
                src.position(src.position() + n);
            }
            throw new IOException(f.message);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return writeOrFail(src, -1);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += writeOrFail(srcs[i], -1);
            }
            return n;
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            Fault f = due(path, Op.TRUNCATE);
            if (f != null) {
                throw new IOException(f.message);
            }
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            Hang h = hang;
            if (h != null && h.where().test(path)) {
                try {
                    h.released().await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the disk hung");
                }
            }
            Fault f = due(path, Op.FORCE);
            if (f != null) {
                if (real.size() > forcedSize) {
                    real.truncate(forcedSize);
                }
                if (dirtyFrom < forcedSize) {
                    ByteBuffer zeros = ByteBuffer.allocate((int) (forcedSize - dirtyFrom));
                    while (zeros.hasRemaining()) {
                        real.write(zeros, dirtyFrom + zeros.position());
                    }
                }
                dirtyFrom = Long.MAX_VALUE;
                throw new IOException(f.message);
            }
            long size = real.size();
            real.force(metaData);
            forcedSize = size;
            dirtyFrom = Long.MAX_VALUE;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException("not used by the log");
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return writeOrFail(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
