package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ids are never issued twice, even when a slot's directory is restored from a backup taken before
 * some of them were issued: the slot reserves ids ahead of what it issues, in a record kept apart
 * from its log, and starts after that record when it opens. A slot whose next range cannot be
 * recorded stops issuing ids (a retryable refusal) instead of issuing unrecorded ones.
 */
class IdReservationTest {
    private static final String P = "p";
    private static final String Q = "q";
    private static final UUID CLIENT = new UUID(5, 6);

    /** The reservations as ZooKeeper keeps them, in memory; {@link #failing} makes writes fail. */
    static final class Recorded implements SeqReservations {
        final Map<Integer, Long> bySlot = new ConcurrentHashMap<>();
        volatile boolean failing;

        @Override
        public long reserved(int slot) {
            return bySlot.getOrDefault(slot, 0L);
        }

        @Override
        public CompletableFuture<Void> reserve(int slot, long upTo) {
            if (failing) {
                return CompletableFuture.failedFuture(new IllegalStateException("ZooKeeper is unreachable"));
            }
            bySlot.merge(slot, upTo, Math::max);
            return CompletableFuture.completedFuture(null);
        }
    }

    @TempDir
    Path dir;

    private final Recorded recorded = new Recorded();
    private FileSlotHarness slots;

    @BeforeEach
    void start() {
        slots = new FileSlotHarness(dir, new SlotResources(Admission.unlimited(), ProjectQuotas.none(), new BodyCache(0, 1),
                SlotResources.bodyReaderPool(1), recorded));
    }

    @AfterEach
    void stop() {
        slots.close();
    }

    private SlotDriver open(long epoch) throws Exception {
        return slots.open(3, epoch, d -> d.idReservation(1_000, 100));
    }

    private void close(SlotDriver d) throws Exception {
        slots.release(d);
    }

    private static List<Long> post(SlotDriver d, int batches) throws Exception {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            List<NewMessage> batch = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                batch.add(new NewMessage(3600, ("{\"n\":" + (i * 10 + k) + "}").getBytes(StandardCharsets.UTF_8)));
            }
            seqs.addAll(d.submit(new SlotCommand.Publish(P, Q, CLIENT, null, batch)).get(10, TimeUnit.SECONDS).seqs());
        }
        return seqs;
    }

    @Test
    void aSlotRestoredFromABackupNeverIssuesAnIdAgain() throws Exception {
        SlotDriver d = open(1);
        d.submit(new SlotCommand.CreateQueue(P, Q)).get();
        List<Long> before = post(d, 5);
        close(d);
        Path backup = dir.resolve("backup");
        FileUtils.copyDirectory(dir.resolve("slot").toFile(), backup.resolve("slot").toFile());
        FileUtils.copyDirectory(dir.resolve("journal").toFile(), backup.resolve("journal").toFile());

        d = open(2);
        List<Long> after = post(d, 300); // 3,000 ids: renewed along the way (ranges of 1,000)
        assertThat(recorded.reserved(3)).isGreaterThan(after.get(after.size() - 1));
        close(d);

        // The operator restores the slot from the backup: its log knows only the first 50 messages.
        FileUtils.deleteDirectory(dir.resolve("slot").toFile());
        FileUtils.deleteDirectory(dir.resolve("journal").toFile());
        FileUtils.copyDirectory(backup.resolve("slot").toFile(), dir.resolve("slot").toFile());
        FileUtils.copyDirectory(backup.resolve("journal").toFile(), dir.resolve("journal").toFile());
        d = open(3);
        assertThat(d.submit(new SlotCommand.GetStats(P, Q)).get().total()).isEqualTo(before.size());
        List<Long> restored = post(d, 2);
        assertThat(restored.get(0)).isGreaterThan(after.get(after.size() - 1));
        close(d);

        // The raised floor is in the log itself: reopened again, ids still go up.
        d = open(4);
        assertThat(post(d, 1).get(0)).isGreaterThan(restored.get(restored.size() - 1));
        close(d);
    }

    @Test
    void aSlotThatCannotRecordItsNextRangeStopsIssuingIdsAndResumesOnceItCan() throws Exception {
        SlotDriver d = open(1);
        d.submit(new SlotCommand.CreateQueue(P, Q)).get();
        recorded.failing = true;
        List<Long> issued = new ArrayList<>();
        Throwable refusal = null;
        for (int i = 0; i < 200 && refusal == null; i++) {
            try {
                issued.addAll(post(d, 1));
            } catch (ExecutionException e) {
                refusal = e.getCause();
            }
        }
        assertThat(refusal).isInstanceOf(SlotUnavailableException.class).hasMessageContaining("range of ids");
        long recordedUpTo = recorded.reserved(3);
        assertThat(issued.get(issued.size() - 1)).isLessThan(recordedUpTo);
        // Reads, deletes and acks go on meanwhile.
        assertThat(d.submit(new SlotCommand.DeleteMessages(P, Q, new long[] {issued.get(0)})).get()).isOne();
        recorded.failing = false;
        assertThatThrownBy(() -> post(d, 1)).hasCauseInstanceOf(SlotUnavailableException.class); // this one renews
        List<Long> resumed = post(d, 1);
        assertThat(resumed.get(0)).isGreaterThan(issued.get(issued.size() - 1));
        assertThat(recorded.reserved(3)).isGreaterThan(resumed.get(resumed.size() - 1));
        close(d);
    }
}
