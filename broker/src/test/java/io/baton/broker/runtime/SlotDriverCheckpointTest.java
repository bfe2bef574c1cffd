package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.log.FileSlotLog;
import io.baton.broker.log.FlushListener;
import io.baton.broker.log.Journal;
import io.baton.broker.log.LogFlusher;
import io.baton.broker.slot.Attempt;
import io.baton.broker.slot.AttemptOutcome;
import io.baton.broker.slot.MovedMessage;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.Origin;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.PublishResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints as the broker takes them: decided by the driver's policy while commands flow,
 * captured on the slot thread and written on another, over a real journaled file log. What a
 * restart recovers from the snapshot plus the records after it is what was acknowledged.
 */
class SlotDriverCheckpointTest {
    private static final String P = "p";
    private static final String Q = "q";
    private static final UUID CLIENT = new UUID(1, 2);

    @TempDir
    Path dir;

    private final SlotLane slotThread = new SlotLane("test-slot-thread");
    private LogFlusher flusher;

    @AfterEach
    void stop() throws Exception {
        slotThread.close();
        if (flusher != null) {
            flusher.close();
        }
    }

    private SlotDriver open(long epoch) throws Exception {
        FileSlotLog log = FileSlotLog.open(dir.resolve("slot"), 3, flusher, 256 << 10);
        SlotDriver driver = new SlotDriver(3, epoch, log, slotThread, Clock.systemUTC(), SlotLimits.v1(),
                new CheckpointPolicy(256 << 10), nanos -> { });
        driver.recover().get(30, TimeUnit.SECONDS);
        return driver;
    }

    /** GET by ids, 20 at a time (the v1 limit). */
    private static List<MessageView> get(SlotDriver driver, long[] seqs) throws Exception {
        List<MessageView> out = new ArrayList<>();
        for (int i = 0; i < seqs.length; i += 20) {
            out.addAll(driver.submit(new SlotCommand.GetMessages(P, Q, Arrays.copyOfRange(seqs, i, Math.min(seqs.length, i + 20))))
                    .get(10, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void checkpointsTakenWhileCommandsFlowKeepTheLogSmallAndARestartRecoversEveryAcknowledgedChange() throws Exception {
        flusher = new LogFlusher("test-journal", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                FlushListener.NONE);
        SlotDriver driver = open(1);
        driver.submit(new SlotCommand.CreateQueue(P, Q)).get();
        byte[] body = ("\"" + "x".repeat(400) + "\"").getBytes(StandardCharsets.UTF_8);
        List<Long> kept = new ArrayList<>();
        long written = 0;
        // 6,000 publishes with request ids, all but every 50th deleted again: megabytes of log
        // over little live state, so the policy checkpoints again and again along the way.
        for (int i = 0; i < 6_000; i++) {
            PublishResult r = driver.submit(new SlotCommand.Publish(P, Q, CLIENT, "req-" + i,
                    List.of(new NewMessage(600, body)))).get(10, TimeUnit.SECONDS);
            long seq = r.seqs().get(0);
            written += body.length;
            if (i % 50 == 0) {
                kept.add(seq);
            } else {
                driver.submit(new SlotCommand.DeleteMessages(P, Q, new long[] {seq})).get(10, TimeUnit.SECONDS);
            }
        }
        long[] seqs = kept.stream().mapToLong(Long::longValue).toArray();
        List<MessageView> before = get(driver, seqs);
        assertThat(before).hasSize(120);
        // The live bodies are scattered over every segment: checkpoints move them out of the
        // mostly-dead ones (the broker ticks every second; here the test does), and disk use
        // falls to about what is live.
        long total = written;
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> {
                    driver.tick();
                    return driver.log().storageBytes() < total / 8;
                });
        driver.release().get(30, TimeUnit.SECONDS);
        assertThat(driver.log().storageBytes()).as("log and snapshot after %d bytes of bodies", written)
                .isLessThan(written / 8);

        SlotDriver again = open(2);
        List<MessageView> after = get(again, seqs);
        assertThat(after).extracting(MessageView::seq).containsExactlyElementsOf(kept);
        for (int i = 0; i < after.size(); i++) {
            assertThat(after.get(i).body()).isEqualTo(before.get(i).body());
            assertThat(after.get(i).createdAt()).isEqualTo(before.get(i).createdAt());
        }
        assertThat(again.submit(new SlotCommand.GetStats(P, Q)).get().total()).isEqualTo(120);
        // The request-id window came back too: a retried publish gets its first attempt's ids.
        PublishResult retried = again.submit(new SlotCommand.Publish(P, Q, CLIENT, "req-5",
                List.of(new NewMessage(600, body)))).get();
        assertThat(retried.duplicate()).isTrue();
        PublishResult early = again.submit(new SlotCommand.Publish(P, Q, CLIENT, "req-0",
                List.of(new NewMessage(600, body)))).get();
        assertThat(early.duplicate()).isTrue();
        assertThat(early.seqs()).containsExactly(kept.get(0));
        again.release().get(30, TimeUnit.SECONDS);
    }

    /**
     * A dead-letter queue's messages arrive with their origin and ledger beside the body, so their
     * records are mostly index, which the snapshot carries. While they all wait, checkpoints keep
     * their storage as it is rather than write every body again.
     */
    @Test
    void aDeadLetterQueuesBodiesAreNotWrittenAgainWhileTheyAllWait() throws Exception {
        flusher = new LogFlusher("test-journal", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                FlushListener.NONE);
        SlotDriver driver = open(1);
        driver.submit(new SlotCommand.CreateQueue(P, "dlq")).get();
        driver.submit(new SlotCommand.CreateQueue(P, Q)).get();
        String error = "x".repeat(120);
        for (int batch = 0; batch < 40; batch++) {
            List<MovedMessage> copies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long seq = batch * 50L + i + 1;
                List<Attempt> ledger = new ArrayList<>();
                for (int a = 1; a <= 3; a++) {
                    ledger.add(new Attempt(a, 5, seq * 10 + a, 1_000L * a, 1_000L * a + 5, AttemptOutcome.RELEASED,
                            "java.lang.IllegalStateException", error + a));
                }
                byte[] body = ("\"" + "d".repeat(300) + seq + "\"").getBytes(StandardCharsets.UTF_8);
                copies.add(new MovedMessage(600, body, new Origin(5, "jobs", seq, 1_000, 600), 3, ledger));
            }
            driver.submit(new SlotCommand.AcceptMoved(P, "dlq", "move-5-" + batch, copies)).get(10, TimeUnit.SECONDS);
        }
        long deadLetterStorage = driver.log().storageBytes();
        // Traffic in another queue, all deleted again: the policy checkpoints again and again, and
        // each checkpoint covers the dead letters' storage and judges it. (Enough of it to be four
        // times the live state, which counts what a snapshot writes for the dead letters' ledgers.)
        byte[] body = ("\"" + "y".repeat(400) + "\"").getBytes(StandardCharsets.UTF_8);
        List<NewMessage> ten = java.util.Collections.nCopies(10, new NewMessage(600, body));
        for (int i = 0; i < 1_200; i++) {
            PublishResult r = driver.submit(new SlotCommand.Publish(P, Q, CLIENT, "req-" + i, ten)).get(10, TimeUnit.SECONDS);
            driver.submit(new SlotCommand.DeleteMessages(P, Q, r.seqs().stream().mapToLong(Long::longValue).toArray()))
                    .get(10, TimeUnit.SECONDS);
            if (i % 10 == 0) {
                driver.tick();
            }
        }
        // A checkpoint did cover the dead letters: what a replay would read no longer holds them.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> {
                    driver.tick();
                    return driver.log().storageBytes() - driver.log().bytesSinceCheckpoint() > deadLetterStorage / 2;
                });
        driver.awaitCheckpoint(); // and the compaction that follows it
        assertThat(driver.submit(new SlotCommand.GetStats(P, "dlq")).get().total()).isEqualTo(2_000);
        // Only those in the storage unit they share with the first of the other queue's traffic,
        // whose bodies are dead, may be written again (judged by size, all 2,000 were).
        assertThat(driver.bodiesRewritten()).as("dead letters' bodies written again").isLessThan(2_000 / 4);
        driver.release().get(30, TimeUnit.SECONDS);
    }
}
