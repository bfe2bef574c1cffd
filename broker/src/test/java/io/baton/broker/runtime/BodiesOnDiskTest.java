package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.log.FileSlotLog;
import io.baton.broker.log.FlushListener;
import io.baton.broker.log.Journal;
import io.baton.broker.log.LogFlusher;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views.MessageView;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message bodies stay in the slot's log: the state machine keeps their addresses, and a reply's
 * bodies are read back (no body cache here, so every one comes from disk) and checked against
 * their checksums. A body damaged on disk fails the slot rather than being served; bodies held by
 * a snapshot of the first format are written to the log before the slot serves.
 */
class BodiesOnDiskTest {
    private static final String P = "p";
    private static final String Q = "q";
    private static final UUID CLIENT = new UUID(3, 4);

    @TempDir
    Path dir;

    private final SlotLane lane = new SlotLane("test-slot-thread");
    private LogFlusher flusher;

    @AfterEach
    void stop() {
        lane.close();
        if (flusher != null) {
            flusher.close();
        }
    }

    private SlotDriver open(long epoch, long checkpointBytes) throws Exception {
        if (flusher == null) {
            flusher = new LogFlusher("test-journal", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                    FlushListener.NONE);
        }
        FileSlotLog log = FileSlotLog.open(dir.resolve("slot"), 3, flusher, 64 << 10);
        SlotDriver d = new SlotDriver(3, epoch, log, lane, Clock.systemUTC(), SlotLimits.v1(),
                new CheckpointPolicy(checkpointBytes), nanos -> { });
        d.recover().get(30, TimeUnit.SECONDS);
        return d;
    }

    private static byte[] body(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "y".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<Long> post(SlotDriver d, int from, int to) throws Exception {
        List<Long> seqs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            seqs.addAll(d.submit(new SlotCommand.Publish(P, Q, CLIENT, null, List.of(new NewMessage(3600, body(i)))))
                    .get(10, TimeUnit.SECONDS).seqs());
        }
        return seqs;
    }

    private static List<MessageView> get(SlotDriver d, List<Long> seqs) throws Exception {
        List<MessageView> out = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i += 20) {
            long[] chunk = seqs.subList(i, Math.min(seqs.size(), i + 20)).stream().mapToLong(Long::longValue).toArray();
            out.addAll(d.submit(new SlotCommand.GetMessages(P, Q, chunk)).get(10, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void bodiesAreReadBackFromTheLogBeforeAndAfterARestart() throws Exception {
        SlotDriver d = open(1, 8L << 20);
        d.submit(new SlotCommand.CreateQueue(P, Q)).get();
        List<Long> seqs = post(d, 0, 500);
        List<MessageView> views = get(d, seqs);
        for (int i = 0; i < views.size(); i++) {
            assertThat(views.get(i).body()).isEqualTo(body(i));
        }
        var claim = d.submit(new SlotCommand.CreateClaim(P, Q, 5, 60, 60)).get();
        assertThat(claim.messages()).extracting(MessageView::body).containsExactly(body(0), body(1), body(2), body(3), body(4));
        d.release().get(30, TimeUnit.SECONDS);

        SlotDriver again = open(2, 8L << 20);
        List<MessageView> after = get(again, seqs);
        for (int i = 0; i < after.size(); i++) {
            assertThat(after.get(i).body()).isEqualTo(body(i));
        }
        again.release().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aBodyDamagedOnDiskFailsTheSlotInsteadOfBeingServed() throws Exception {
        SlotDriver d = open(1, 64 << 10);
        d.submit(new SlotCommand.CreateQueue(P, Q)).get();
        List<Long> seqs = post(d, 0, 400);
        long[] gone = seqs.subList(20, 400).stream().mapToLong(Long::longValue).toArray();
        for (int i = 0; i < gone.length; i += 20) {
            d.submit(new SlotCommand.DeleteMessages(P, Q, java.util.Arrays.copyOfRange(gone, i, i + 20))).get();
        }
        // Checkpoint until the snapshot covers them: their segments are then kept only for the
        // twenty bodies still live.
        // (Bodies in mostly-dead segments are moved forward meanwhile: wait until the snapshot covers everything.)
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            d.tick();
            List<Path> snaps = snapshots();
            return snaps.size() == 1 && snaps.get(0).getFileName().toString()
                    .equals(String.format("snapshot-%020d.snap", d.log().lastPosition()));
        });
        d.release().get(30, TimeUnit.SECONDS);
        flusher.close();
        flusher = null;
        FileUtils.deleteDirectory(dir.resolve("journal").toFile()); // nothing to make it good again
        Path first = segments().get(0);
        byte[] needle = "\"n\":7,".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Files.readAllBytes(first);
        int at = indexOf(bytes, needle);
        assertThat(at).isPositive();
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            f.seek(at + 1);
            f.write('m');
        }
        SlotDriver again = open(2, 64 << 10);
        assertThat(get(again, seqs.subList(0, 5))).hasSize(5); // intact bodies are served
        assertThatThrownBy(() -> get(again, seqs.subList(7, 8))).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SlotUnavailableException.class);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> again.state() == SlotOwnershipState.FAILED);
        assertThat(again.failure()).hasMessageContaining("fails its checksum");
        assertThat(Files.exists(first)).isTrue();
        again.release().get(30, TimeUnit.SECONDS);
    }

    @Test
    void bodiesOfASnapshotOfTheFirstFormatAreWrittenToTheLogBeforeTheSlotServes() throws Exception {
        // A log whose snapshot is of the first format (bodies inside it), as earlier versions wrote.
        flusher = new LogFlusher("test-journal", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                FlushListener.NONE);
        FileSlotLog log = FileSlotLog.open(dir.resolve("slot"), 3, flusher, 64 << 10);
        log.append(new byte[] {9}).get(); // position 0, covered by the snapshot
        byte[] old = firstFormatSnapshot(List.of(body(0), body(1), body(2)));
        log.checkpoint(0, (out, live) -> out.write(old));
        log.close();

        SlotDriver d = open(1, 8L << 20);
        List<MessageView> views = get(d, List.of(1L, 2L, 3L));
        assertThat(views).extracting(MessageView::body).containsExactly(body(0), body(1), body(2));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            d.tick();
            return snapshots().stream().noneMatch(p -> p.getFileName().toString().contains("-00000000000000000000.snap"));
        });
        d.release().get(30, TimeUnit.SECONDS);
        SlotDriver again = open(2, 8L << 20);
        assertThat(get(again, List.of(1L, 2L, 3L))).extracting(MessageView::body).containsExactly(body(0), body(1), body(2));
        again.release().get(30, TimeUnit.SECONDS);
    }

    /** The "BSN2" layout: one queue of the project, its messages' bodies inside the snapshot. */
    private static byte[] firstFormatSnapshot(List<byte[]> bodies) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(0x42534e32);
        out.writeInt(3);
        out.writeLong(bodies.size() + 1); // next sequence
        out.writeLong(1_700_000_000_000L);
        out.writeInt(0); // request ids
        out.writeInt(1); // queues
        out.writeUTF(P);
        out.writeUTF(Q);
        out.writeInt(2);
        out.write("{}".getBytes(StandardCharsets.UTF_8));
        out.writeInt(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            out.writeLong(i + 1);
            out.writeLong(1_700_000_000_000L);
            out.writeLong(4_000_000_000_000L);
            out.writeInt(3600);
            out.writeLong(CLIENT.getMostSignificantBits());
            out.writeLong(CLIENT.getLeastSignificantBits());
            out.writeLong(0);
            out.writeInt(bodies.get(i).length);
            out.write(bodies.get(i));
        }
        out.writeLong(1); // cursor: the first message, never claimed
        out.writeInt(0); // claims
        out.flush();
        return b.toByteArray();
    }

    private List<Path> snapshots() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("slot"))) {
            return s.filter(p -> p.toString().endsWith(".snap")).toList();
        }
    }

    private List<Path> segments() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("slot"))) {
            return s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
