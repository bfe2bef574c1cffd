package io.baton.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Free space on the data directory's disk, and what the broker does about it.
 *
 * <ul>
 *   <li>Below {@code minFree}, writes that grow the backlog (publishes, new queues) are refused
 *       ({@link #refusal}); everything else (deletes, acks, claims, checkpoints) still writes,
 *       into the space left. Those writes are what frees space: a checkpoint after the backlog
 *       drains deletes the segments it covers.</li>
 *   <li>A reserve file ({@code reserve}, {@code reserveBytes} of zeros) is kept on the same disk.
 *       Should the disk fill anyway (another process, or the backlog's own acks), it is deleted,
 *       giving those writes room; it is written again once the space is back.</li>
 * </ul>
 * Free space is read every {@link #POLL_MILLIS} ms, and at once after a failed write
 * ({@link #check}).
 */
public final class DiskSpace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskSpace.class);
    static final long POLL_MILLIS = 250;

    private final Path dir;
    private final Path reserve;
    private final Disk disk;
    private final long minFree;
    private final long reserveBytes;
    private final ScheduledExecutorService poller;
    private volatile long usable = Long.MAX_VALUE;
    private volatile boolean low;
    private volatile boolean reserveHeld;

    public DiskSpace(Path dir, Disk disk, long minFree, long reserveBytes) throws IOException {
        if (minFree < 0 || reserveBytes < 0) {
            throw new IllegalArgumentException("free-space floor and reserve must be >= 0");
        }
        this.dir = dir;
        this.reserve = dir.resolve("reserve");
        this.disk = disk;
        this.minFree = minFree;
        this.reserveBytes = reserveBytes;
        Files.createDirectories(dir);
        check();
        this.poller = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("disk-space"));
        poller.scheduleWithFixedDelay(this::check, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Reads the free space now and acts on it. Any thread. */
    public synchronized void check() {
        long free;
        try {
            free = disk.usableSpace(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cannot read free space: {}", dir, e.toString());
            return;
        }
        usable = free;
        boolean nowLow = free < minFree;
        if (nowLow != low) {
            low = nowLow;
            if (nowLow) {
                log.error("{}: {} MiB free, under the floor of {} MiB: new messages are refused until space is freed", dir,
                        free >> 20, minFree >> 20);
            } else {
                log.warn("{}: {} MiB free again: new messages are accepted", dir, free >> 20);
            }
        }
        boolean exists = Files.exists(reserve);
        if (exists && free < Math.max(reserveBytes / 2, 1 << 20)) {
            try {
                disk.delete(reserve);
                reserveHeld = false;
                log.error("{}: the disk is full; released the {} MiB reserve so that deletes, acks and checkpoints can"
                        + " still be written", dir, reserveBytes >> 20);
            } catch (IOException e) {
                log.error("{}: cannot release the disk reserve", dir, e);
            }
        } else if (!exists && reserveBytes > 0 && free >= minFree + 2 * reserveBytes) {
            writeReserve();
        } else {
            reserveHeld = exists;
        }
    }

    private void writeReserve() {
        Path tmp = dir.resolve("reserve.tmp");
        try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            for (long written = 0; written < reserveBytes; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), reserveBytes - written));
                while (zeros.hasRemaining()) {
                    written += ch.write(zeros);
                }
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            try {
                disk.delete(tmp);
            } catch (IOException ignored) {
                // tried again at the next check
            }
            log.warn("{}: cannot write the {} MiB disk reserve: {}", dir, reserveBytes >> 20, e.toString());
            return;
        }
        try {
            disk.move(tmp, reserve);
            reserveHeld = true;
        } catch (IOException e) {
            log.warn("{}: cannot put the disk reserve in place: {}", dir, e.toString());
        }
    }

    /** Why growing writes are refused now; null when they may go ahead. */
    public String refusal() {
        if (!low) {
            return null;
        }
        return "The broker's disk is nearly full (" + (usable >> 20) + " MiB free; " + (minFree >> 20)
                + " MiB are kept for deletes, acks and checkpoints): new messages are refused until space is freed."
                + " Reads, claims and deletes still work.";
    }

    /** Bytes free on the disk at the last check. */
    public long usable() {
        return usable;
    }

    public boolean low() {
        return low;
    }

    /** Whether the reserve file is in place. */
    public boolean reserveHeld() {
        return reserveHeld;
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
