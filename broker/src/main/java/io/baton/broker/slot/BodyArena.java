package io.baton.broker.slot;

/**
 * Where one queue's message bodies live: copied into large shared chunks instead of one array per
 * body.
 *
 * <p>Why: a waiting body is a long-lived object. As an array of its own, every young collection
 * copies it until it is promoted, so a backlog that grows at 25 MB/s (the REST POST benchmark)
 * made G1 young pauses of 25-150 ms (docs/BENCHMARKS.md, session 7: the sum of young pauses
 * halved with the arena). A chunk of {@link #MAX_CHUNK} bytes is a G1 humongous object: it is
 * allocated straight in the old generation and never copied. Chunks start at
 * {@link #MIN_CHUNK} and grow with the queue's live bytes, so a small queue holds kilobytes, not
 * megabytes.
 *
 * <p>Chunks are append-only: a body's bytes never change while any reference to its chunk exists,
 * which is what lets a snapshot capture (chunk, offset, length) on the slot thread and write the
 * bytes later from another thread. Memory is reclaimed by the garbage collector once no live body
 * refers to a chunk; each chunk counts its live bytes so that {@link #needsCompaction} can tell
 * when mostly-dead chunks pin too much memory. Then {@link MessageTable} moves the live bodies
 * out of the sparse chunks ({@link #isSparse}) into the current one.
 *
 * <p>Threads: the slot thread only, like the rest of the state machine.
 */
final class BodyArena {
    static final int MIN_CHUNK = 4 << 10;
    private static final int ARRAY_HEADER = 16;
    /** The largest chunk below {@link #MAX_CHUNK}: a plain young object in any G1 heap. */
    static final int YOUNG_CHUNK = 256 << 10;
    /**
     * 4 MiB including the array header: it fills G1 regions of 1, 2 or 4 MiB exactly (the region
     * size for heaps up to 16 GB) and is humongous with any of them.
     */
    static final int MAX_CHUNK = (4 << 20) - ARRAY_HEADER;
    /** A body at least this large gets an array of its own (never shared, so never compacted). */
    static final int OWN_ARRAY = 128 << 10;

    /**
     * An array of bodies. {@code used} only grows; {@code liveBytes} counts the bytes of its live
     * bodies.
     * {@code data} is dropped (set to null) once no live body is left: a dead {@code Chunk} object
     * may sit in the old generation until the next marking cycle, and if it still pointed at the
     * array, that array (a humongous object, otherwise reclaimed at the next young collection)
     * would wait for the marking too. Whoever still reads the bytes (a snapshot being written, a
     * reply in flight) holds the array itself.
     */
    static final class Chunk {
        byte[] data;
        final int capacity;
        int used;
        int liveBytes;
        /** Counted apart from the bytes: an empty body is live too. */
        int liveBodies;

        Chunk(int size) {
            data = new byte[size];
            capacity = size;
        }
    }

    private Chunk current;
    /** The capacity of every chunk that still holds a live body, plus the current chunk. */
    private long retainedBytes;
    private long liveBytes;
    /** The chunk the last {@link #store} wrote into (read right after it; saves an object per call). */
    private Chunk stored;

    /** Copies {@code body} in and returns its offset in {@link #storedChunk()}. */
    int store(byte[] body) {
        return store(body, 0, body.length);
    }

    int store(byte[] src, int from, int len) {
        Chunk c = current;
        if (c == null || c.capacity - c.used < len) {
            int next = nextChunkSize();
            if (len >= OWN_ARRAY || len > next / 8) {
                // Alone, so that no chunk is left with more than an eighth of it unused.
                c = new Chunk(len);
                retainedBytes += len;
            } else {
                c = startChunk(next);
            }
        }
        int off = c.used;
        System.arraycopy(src, from, c.data, off, len);
        c.used += len;
        c.liveBytes += len;
        c.liveBodies++;
        liveBytes += len;
        stored = c;
        return off;
    }

    Chunk storedChunk() {
        return stored;
    }

    /**
     * A quarter of the live bytes, as a power of two less the array header (so the array fills its
     * allocation). Past {@link #YOUNG_CHUNK}, straight to {@link #MAX_CHUNK}: sizes in between would
     * be humongous in some heaps while filling only half of their G1 region.
     */
    private int nextChunkSize() {
        long target = Math.max(MIN_CHUNK, Long.highestOneBit(Math.max(1, liveBytes / 4)));
        return target > YOUNG_CHUNK ? MAX_CHUNK : (int) target - ARRAY_HEADER;
    }

    private Chunk startChunk(int size) {
        Chunk old = current;
        current = new Chunk(size);
        retainedBytes += size;
        if (old != null && old.liveBodies == 0) {
            retainedBytes -= old.capacity;
            old.data = null;
        }
        return current;
    }

    /** A body of {@code len} bytes in {@code c} died. */
    void release(Chunk c, int len) {
        c.liveBytes -= len;
        c.liveBodies--;
        liveBytes -= len;
        if (c.liveBodies == 0 && c != current) {
            retainedBytes -= c.capacity;
            c.data = null;
        }
    }

    /**
     * Whether dead bytes pinned by live neighbours exceed the live bytes plus two current chunks.
     * When true, every non-current chunk cannot be at least half live, so moving the live bodies
     * out of the sparse ones frees at least as much as it copies.
     */
    boolean needsCompaction() {
        if (current == null) {
            return false;
        }
        long unused = current.capacity - current.used;
        return retainedBytes - liveBytes - unused > liveBytes + 2L * current.capacity;
    }

    /** Whether a live body in {@code c} should move during a compaction: its chunk is under half live. */
    boolean isSparse(Chunk c) {
        return c != current && c.liveBytes * 2L < c.capacity;
    }

    long liveBytes() {
        return liveBytes;
    }

    /** Bytes held by chunks with live bodies (an upper bound of the arena's heap use). */
    long retainedBytes() {
        return retainedBytes;
    }
}
