package io.baton.broker.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Every file operation the local log makes, in one place: the seam through which tests inject
 * storage faults (a full disk, EIO on a write or an fsync, a write that stops half way) into the
 * journal, the slot segments and the snapshots of a running log, and the one place that says how
 * a directory is made durable.
 */
public interface Disk {
    /** The machine's disk. */
    Disk REAL = new Disk() {};

    default FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, options);
    }

    /** Makes the directory's entries (files created, renamed or deleted in it) durable. */
    default void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Renames {@code from} to {@code to} atomically, replacing nothing. */
    default void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    default void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * Deletes a large file a few MiB at a time: truncated from its end in steps a couple of
     * milliseconds apart, then removed. Freeing tens of MiB at once (with online discard, as on
     * this project's machine) made one file-system commit long enough to hold every durable
     * append behind it; in steps, the frees ride on many commits. Blocks the calling thread for
     * about a millisecond per step: call it off the paths that acknowledge writes.
     */
    default void deleteGradually(Path file) throws IOException {
        try (FileChannel ch = open(file, StandardOpenOption.WRITE)) {
            for (long size = ch.size(); size > DELETE_STEP; ) {
                size -= DELETE_STEP;
                ch.truncate(size);
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            return;
        } catch (IOException e) {
            // Freeing it in steps is only kinder to other writers: the file goes all the same.
        }
        delete(file);
    }

    /** Bytes {@link #deleteGradually} frees per step. */
    long DELETE_STEP = 4L << 20;

    /** Bytes a new write to {@code dir} could still use. */
    default long usableSpace(Path dir) throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }
}
