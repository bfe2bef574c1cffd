package io.baton.broker.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** File logs for tests: flushers over a data directory's journal, closed together at the end. */
final class FileLogs implements AutoCloseable {
    private final List<LogFlusher> flushers = new ArrayList<>();
    private final List<SlotLog> logs = new ArrayList<>();

    /** A flusher over {@code root/journal}. */
    LogFlusher flusher(Path root, long journalSegmentBytes, Disk disk) throws IOException {
        LogFlusher f = new LogFlusher("test-journal", Journal.open(root.resolve("journal"), journalSegmentBytes, disk),
                FlushListener.NONE, disk);
        flushers.add(f);
        return f;
    }

    LogFlusher flusher(Path root) throws IOException {
        return flusher(root, Journal.DEFAULT_SEGMENT_BYTES, Disk.REAL);
    }

    /** Slot {@code slot}'s log under {@code root/slot-<slot>}, closed with the others. */
    FileSlotLog open(Path root, int slot, LogFlusher flusher) throws IOException {
        FileSlotLog l = FileSlotLog.open(root.resolve("slot-" + slot), slot, flusher, 1 << 20);
        logs.add(l);
        return l;
    }

    static List<Path> files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    static long bytesIn(Path slotDir) throws IOException {
        long bytes = 0;
        for (Path seg : files(slotDir, ".log")) {
            bytes += Files.size(seg);
        }
        return bytes;
    }

    static List<Long> appendDurably(SlotLog log, int from, int to) throws Exception {
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(log.append(SlotLogContract.bytes("record-" + i)));
        }
        List<Long> positions = new ArrayList<>();
        for (CompletableFuture<Long> a : acks) {
            positions.add(a.get(10, TimeUnit.SECONDS));
        }
        return positions;
    }

    @Override
    public void close() {
        for (SlotLog l : logs) {
            try {
                l.close();
            } catch (RuntimeException e) {
                // already closed, or failed
            }
        }
        flushers.forEach(LogFlusher::close);
    }
}
