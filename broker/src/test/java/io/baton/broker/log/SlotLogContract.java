package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link SlotLog} contract. Every implementation runs these tests by extending this class.
 */
public abstract class SlotLogContract {
    @TempDir
    protected Path dir;

    /** Opens the slot's log (again, after a close or a crash, when called a second time). */
    protected abstract SlotLog open() throws Exception;

    protected record Replayed(long snapshotPosition, byte[] snapshot, List<Long> positions, List<String> records,
                              List<Long> addresses) {}

    protected static Replayed replay(SlotLog log) throws Exception {
        long[] snapPos = {-1};
        byte[][] snap = {null};
        List<Long> positions = new ArrayList<>();
        List<String> records = new ArrayList<>();
        List<Long> addresses = new ArrayList<>();
        log.replay(new SlotLog.Replayer() {
            @Override
            public void snapshot(long position, java.io.InputStream snapshot) throws java.io.IOException {
                snapPos[0] = position;
                snap[0] = snapshot.readAllBytes();
            }

            @Override
            public void record(long position, long address, byte[] record) {
                positions.add(position);
                records.add(new String(record, StandardCharsets.UTF_8));
                addresses.add(address);
            }
        });
        return new Replayed(snapPos[0], snap[0], positions, records, addresses);
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A snapshot of {@code s}'s bytes. */
    protected static SlotLog.SnapshotWriter state(String s) {
        byte[] b = bytes(s);
        return (out, live) -> out.write(b);
    }

    @Test
    void appendsTakeConsecutivePositionsFromZero() throws Exception {
        try (SlotLog log = open()) {
            assertThat(log.lastPosition()).isEqualTo(-1);
            assertThat(log.append(bytes("a")).get(10, TimeUnit.SECONDS)).isZero();
            assertThat(log.append(bytes("b")).get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(log.lastPosition()).isEqualTo(1);
        }
    }

    @Test
    void everyAcknowledgedRecordIsReplayedInOrderAfterReopening() throws Exception {
        try (SlotLog log = open()) {
            List<CompletableFuture<Long>> acks = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                acks.add(log.append(bytes("r" + i)));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.records()).hasSize(1000);
            assertThat(r.records().get(0)).isEqualTo("r0");
            assertThat(r.records().get(999)).isEqualTo("r999");
            assertThat(r.positions().get(999)).isEqualTo(999L);
            assertThat(log.append(bytes("next")).get(10, TimeUnit.SECONDS)).isEqualTo(1000L);
        }
    }

    @Test
    void concurrentWritersAreAllAcknowledgedWithDistinctPositions() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try (SlotLog log = open()) {
            List<CompletableFuture<Long>> acks = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int w = 0; w < 8; w++) {
                int id = w;
                writers.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        acks.add(log.append(bytes(id + ":" + i)));
                    }
                });
            }
            writers.shutdown();
            assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            List<Long> positions = new ArrayList<>();
            for (CompletableFuture<Long> a : acks) {
                positions.add(a.get(30, TimeUnit.SECONDS));
            }
            assertThat(positions).doesNotHaveDuplicates().hasSize(4000);
            assertThat(positions.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(3999);
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void syncCompletesOnceEverythingAppendedIsDurable() throws Exception {
        try (SlotLog log = open()) {
            CompletableFuture<Long> a = log.append(bytes("x"));
            log.sync().get(10, TimeUnit.SECONDS);
            assertThat(a).isDone();
            log.sync().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void replayStartsFromTheLatestCheckpoint() throws Exception {
        try (SlotLog log = open()) {
            for (int i = 0; i < 10; i++) {
                log.append(bytes("r" + i));
            }
            log.sync().get(10, TimeUnit.SECONDS);
            log.checkpoint(6, state("state@6"));
            for (int i = 10; i < 12; i++) {
                log.append(bytes("r" + i));
            }
            log.sync().get(10, TimeUnit.SECONDS);
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.snapshotPosition()).isEqualTo(6);
            assertThat(new String(r.snapshot(), StandardCharsets.UTF_8)).isEqualTo("state@6");
            assertThat(r.positions()).containsExactly(7L, 8L, 9L, 10L, 11L);
            assertThat(log.append(bytes("r12")).get(10, TimeUnit.SECONDS)).isEqualTo(12L);
        }
    }

    @Test
    void aCheckpointOfEverythingLeavesOnlyTheSnapshot() throws Exception {
        try (SlotLog log = open()) {
            byte[] big = new byte[10_000];
            for (int i = 0; i < 500; i++) {
                log.append(big);
            }
            log.sync().get(10, TimeUnit.SECONDS);
            // A file log copies durable records from its journal to the slot's files just after,
            // but holds back the last of them (less than SegmentFiles.WRITE_BATCH) until a batch
            // gathers or something needs them in the files: the checkpoint below is such a thing.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> log.storageBytes() > 4_500_000);
            log.checkpoint(log.lastPosition(), state("empty"));
            assertThat(log.storageBytes()).isLessThan(100_000);
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.positions()).isEmpty();
            assertThat(log.append(bytes("again")).get(10, TimeUnit.SECONDS)).isEqualTo(500L);
        }
    }

    @Test
    void aCheckpointWrittenWhileAppendsContinueKeepsEveryRecordAfterIt() throws Exception {
        // The broker snapshots on the slot thread and has the log store it on another thread, so
        // appends (and their flushes, segment or ledger rolls) go on while the checkpoint is written.
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (SlotLog log = open()) {
            for (int i = 0; i < 100; i++) {
                log.append(bytes("r" + i));
            }
            long covered = log.lastPosition();
            CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(() -> {
                try {
                    log.checkpoint(covered, state("state@" + covered));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, writer);
            int i = 100;
            while (!checkpoint.isDone() || i < 300) {
                log.append(bytes("r" + i++));
            }
            checkpoint.get(30, TimeUnit.SECONDS);
            log.sync().get(10, TimeUnit.SECONDS);
            long last = log.lastPosition();
            assertThat(last).isEqualTo(i - 1);
            log.close();
            try (SlotLog again = open()) {
                Replayed r = replay(again);
                assertThat(r.snapshotPosition()).isEqualTo(covered);
                assertThat(r.positions()).first().isEqualTo(covered + 1);
                assertThat(r.positions()).last().isEqualTo(last);
                assertThat(r.positions()).hasSize((int) (last - covered));
                assertThat(r.records().get(0)).isEqualTo("r" + (covered + 1));
                // A later checkpoint of everything reclaims what the first one had to keep.
                again.checkpoint(last, state("state@" + last));
                assertThat(again.bytesSinceCheckpoint()).isLessThan(1_000);
            }
        } finally {
            writer.shutdownNow();
        }
    }

    @Test
    void aSnapshotIsWrittenAndReadBackAsAStream() throws Exception {
        // Larger than a BookKeeper snapshot chunk and than any buffer: written in small pieces.
        long size = (3L << 20) + 12_345;
        try (SlotLog log = open()) {
            log.append(bytes("r0")).get(10, TimeUnit.SECONDS);
            log.checkpoint(0, (out, live) -> {
                byte[] piece = new byte[1000];
                for (long written = 0; written < size; written += piece.length) {
                    int n = (int) Math.min(piece.length, size - written);
                    for (int i = 0; i < n; i++) {
                        piece[i] = (byte) ((written + i) % 251);
                    }
                    out.write(piece, 0, n);
                }
            });
        }
        try (SlotLog log = open()) {
            long[] seen = {0};
            boolean[] intact = {true};
            log.replay(new SlotLog.Replayer() {
                @Override
                public void snapshot(long position, java.io.InputStream in) throws java.io.IOException {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            intact[0] &= buf[i] == (byte) ((seen[0] + i) % 251);
                        }
                        seen[0] += n;
                    }
                }

                @Override
                public void record(long position, long address, byte[] record) {
                }
            });
            assertThat(seen[0]).isEqualTo(size);
            assertThat(intact[0]).isTrue();
        }
    }

    /** Reads {@code length} bytes at {@code address} as text. */
    protected static String read(SlotLog log, long address, int length) throws java.io.IOException {
        byte[] b = new byte[length];
        log.read(address, b, 0, length);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void partsOfDurableRecordsAreReadBackByAddressBeforeAndAfterReopening() throws Exception {
        List<Long> addresses = new ArrayList<>();
        try (SlotLog log = open()) {
            for (int i = 0; i < 300; i++) {
                addresses.add(log.appendLocated(bytes("head-" + i + "-tail")).address());
            }
            log.sync().get(10, TimeUnit.SECONDS);
            assertThat(addresses).doesNotHaveDuplicates().isSorted();
            assertThat(read(log, addresses.get(0), 6)).isEqualTo("head-0");
            assertThat(read(log, addresses.get(299) + 5, 3)).isEqualTo("299");
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.addresses()).isEqualTo(addresses);
            assertThat(read(log, addresses.get(150) + 9, 4)).isEqualTo("tail");
            SlotLog.Appended after = log.appendLocated(bytes("after"));
            long next = after.address();
            assertThat(next).isGreaterThan(addresses.get(299));
            after.durable().get(10, TimeUnit.SECONDS);
            assertThat(read(log, next, 5)).isEqualTo("after");
        }
    }

    @Test
    void aCheckpointKeepsWhatItReportsLiveReadableAndLetsTheRestGo() throws Exception {
        byte[] big = new byte[200_000];
        long keep;
        try (SlotLog log = open()) {
            keep = log.appendLocated(bytes("keep-me")).address();
            for (int i = 0; i < 30; i++) {
                log.append(big);
            }
            log.sync().get(10, TimeUnit.SECONDS);
            long covered = log.lastPosition();
            long kept = keep;
            List<SlotLog.AddressRange> sparse = log.checkpoint(covered, (out, live) -> {
                out.write(bytes("state"));
                live.live(kept, 7);
            });
            // What holds "keep-me" is kept, and mostly dead: worth rewriting.
            assertThat(sparse).anySatisfy(range -> assertThat(range.contains(kept)).isTrue());
            assertThat(read(log, keep, 7)).isEqualTo("keep-me");
            assertThat(replay(log).positions()).isEmpty();
        }
        try (SlotLog log = open()) {
            Replayed r = replay(log);
            assertThat(r.positions()).isEmpty();
            assertThat(read(log, keep, 7)).isEqualTo("keep-me");
            long before = log.storageBytes();
            log.append(bytes("x")).get(10, TimeUnit.SECONDS);
            log.checkpoint(log.lastPosition(), state("nothing live"));
            assertThat(log.storageBytes()).isLessThan(before / 4);
            assertThatThrownBy(() -> read(log, keep, 7)).isInstanceOf(LogCorruptedException.class);
        }
    }

    /**
     * Records like a dead-letter queue's: each a 100-byte body after 150 bytes of index (the
     * snapshot carries the index). Storage whose bodies are all live is not worth rewriting,
     * however much index lies beside them; once most of its bodies are dead, it is.
     */
    @Test
    void storageIsJudgedByTheBodiesPlacedInItNotByTheIndexBesideThem() throws Exception {
        try (SlotLog log = open()) {
            List<Long> bodies = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                SlotLog.Appended a = log.appendLocated(new byte[250], 100);
                bodies.add(a.address() + 150);
            }
            log.sync().get(10, TimeUnit.SECONDS);
            List<SlotLog.AddressRange> sparse = log.checkpoint(log.lastPosition(), (out, live) -> {
                out.write(bytes("state"));
                for (long b : bodies) {
                    live.live(b, 100);
                }
            });
            assertThat(sparse).as("every body placed there is live").isEmpty();

            log.append(bytes("later")).get(10, TimeUnit.SECONDS);
            sparse = log.checkpoint(log.lastPosition(), (out, live) -> {
                out.write(bytes("state"));
                for (int i = 0; i < bodies.size(); i += 5) {
                    live.live(bodies.get(i), 100); // a fifth of them live on
                }
            });
            assertThat(sparse).as("four bodies in five are dead").isNotEmpty();
            for (int i = 0; i < bodies.size(); i += 5) {
                long b = bodies.get(i);
                assertThat(sparse).anySatisfy(range -> assertThat(range.contains(b)).isTrue());
                assertThat(read(log, b, 100)).isEqualTo(new String(new byte[100], StandardCharsets.UTF_8));
            }
        }
    }
}
