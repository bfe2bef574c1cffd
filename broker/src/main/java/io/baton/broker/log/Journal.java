package io.baton.broker.log;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's write-ahead journal: one file stream shared by every slot log, so that one fsync
 * makes the records of all slots durable at once (as a BookKeeper bookie's journal does).
 *
 * <p>Why: with one fsync per slot file, a broker with many busy slots pays one fsync per slot per
 * group commit, and each fsync is costly in kernel CPU (especially in a VM). Slot files are still
 * written (to the page cache) on every flush, but only this journal is fsynced on the request
 * path. Slot files are fsynced in the background when a journal segment fills, after which the
 * older journal segments are deleted ({@link #deleteBefore}).
 *
 * <p>Frames: {@code [payload length:int][crc32c(slot, payload):int][slot:int][payload]}, where the
 * payload is one or more complete slot-log frames (each with its own position and CRC).
 * Segments: {@code <sequence, 20 digits>.jnl}. A torn or corrupt tail is cut at open.
 *
 * <p>Threads: {@link #add} and {@link #commit} only from the single journal flusher thread;
 * {@link #deleteBefore} from the background checkpointer (segment bookkeeping is synchronized).
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    static final int HEADER = 12;
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    private final Path dir;
    private final long segmentMaxBytes;
    private byte[] buffer = new byte[1 << 20];
    private int length;
    private FileChannel current;
    private long currentSequence;
    private long currentBytes;
    private final CRC32C crc = new CRC32C();

    /** What the journal held at open, by slot: payloads (runs of slot-log frames) in order. */
    private final Map<Integer, List<byte[]>> recovered;

    private Journal(Path dir, long segmentMaxBytes, Map<Integer, List<byte[]>> recovered, long nextSequence) {
        this.dir = dir;
        this.segmentMaxBytes = segmentMaxBytes;
        this.recovered = recovered;
        this.currentSequence = nextSequence - 1;
    }

    /** Opens the journal in {@code dir}, reading (and keeping for {@link #recoveredFor}) what it holds. */
    public static Journal open(Path dir, long segmentMaxBytes) throws IOException {
        Files.createDirectories(dir);
        Map<Integer, List<byte[]>> recovered = new HashMap<>();
        long next = 0;
        boolean cut = false;
        for (Path p : segments(dir)) {
            long seq = sequenceOf(p);
            next = Math.max(next, seq + 1);
            if (cut) {
                log.warn("{}: removing journal segment {} after a cut tail", dir, p.getFileName());
                Files.delete(p);
                continue;
            }
            long valid = read(p, recovered);
            if (valid < Files.size(p)) {
                log.warn("{}: torn or corrupt journal tail in {} at byte {}; cutting it", dir, p.getFileName(), valid);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(valid);
                    ch.force(true);
                }
                cut = true;
            }
        }
        return new Journal(dir, segmentMaxBytes, recovered, next);
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jnl")).sorted().toList();
        }
    }

    private static long sequenceOf(Path p) {
        return Long.parseLong(p.getFileName().toString().replace(".jnl", ""));
    }

    /** Reads one segment into {@code out}; returns the length of its valid prefix. */
    private static long read(Path p, Map<Integer, List<byte[]>> out) throws IOException {
        long valid = 0;
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(p);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            while (true) {
                int len;
                try {
                    len = in.readInt();
                } catch (EOFException e) {
                    return valid;
                }
                try {
                    int checksum = in.readInt();
                    int slot = in.readInt();
                    if (len < 0 || len > (256 << 20) || slot < 0) {
                        return valid;
                    }
                    byte[] payload = new byte[len];
                    in.readFully(payload);
                    crc.reset();
                    crc.update(ByteBuffer.allocate(4).putInt(0, slot));
                    crc.update(payload);
                    if ((int) crc.getValue() != checksum) {
                        return valid;
                    }
                    out.computeIfAbsent(slot, k -> new ArrayList<>()).add(payload);
                    valid += HEADER + len;
                } catch (EOFException e) {
                    return valid;
                }
            }
        }
    }

    /** Takes what the journal held for {@code slot} at open (runs of slot-log frames, in order). */
    public synchronized List<byte[]> recoveredFor(int slot) {
        List<byte[]> r = recovered.remove(slot);
        return r == null ? List.of() : r;
    }

    /** Buffers one run of {@code slot}'s frames for the next {@link #commit}. Journal thread only. */
    void add(int slot, byte[] frames, int offset, int len) {
        int need = length + HEADER + len;
        if (need > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, need));
        }
        crc.reset();
        crc.update(ByteBuffer.allocate(4).putInt(0, slot));
        crc.update(frames, offset, len);
        ByteBuffer.wrap(buffer, length, HEADER).putInt(len).putInt((int) crc.getValue()).putInt(slot);
        System.arraycopy(frames, offset, buffer, length + HEADER, len);
        length += HEADER + len;
    }

    /**
     * Writes what was added and fsyncs: after this returns, every added run is durable. Returns
     * true when it started a new segment (the caller then checkpoints slot files in the background
     * and calls {@link #deleteBefore} with {@link #currentSequence()}). Journal thread only.
     */
    boolean commit() throws IOException {
        if (length == 0) {
            return false;
        }
        boolean rolled = false;
        if (current == null || currentBytes >= segmentMaxBytes) {
            roll();
            rolled = true;
        }
        ByteBuffer bb = ByteBuffer.wrap(buffer, 0, length);
        while (bb.hasRemaining()) {
            current.write(bb);
        }
        current.force(false);
        currentBytes += length;
        length = 0;
        if (buffer.length > (8 << 20)) {
            buffer = new byte[1 << 20];
        }
        return rolled;
    }

    private void roll() throws IOException {
        if (current != null) {
            current.close();
        }
        currentSequence++;
        current = FileChannel.open(dir.resolve(String.format("%020d.jnl", currentSequence)),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        currentBytes = 0;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    synchronized long currentSequence() {
        return currentSequence;
    }

    /**
     * Deletes the segments before {@code sequence}. Call only once every record in them is durable
     * in its slot file, and never while a slot still has recovered records to take.
     */
    synchronized void deleteBefore(long sequence) throws IOException {
        if (!recovered.isEmpty()) {
            return;
        }
        for (Path p : segments(dir)) {
            if (sequenceOf(p) < sequence) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        try {
            if (current != null) {
                current.close();
            }
        } catch (IOException e) {
            log.warn("{}: closing journal", dir, e);
        }
        current = null;
    }
}
