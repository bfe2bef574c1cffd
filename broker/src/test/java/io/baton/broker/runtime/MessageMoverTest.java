package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.SlotHash;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mover between two real slots on real files, with faults injected where the copy is handed
 * over (the seam between brokers): refused hand-overs, and hand-overs that succeed but whose
 * answer is lost. Every dead-lettered message arrives exactly once and leaves its queue only then.
 */
class MessageMoverTest {
    private static final int SLOTS = 16;
    private static final String P = "p";

    @TempDir
    Path dir;

    private final List<FileSlotHarness> harnesses = new ArrayList<>();
    private final LocalSlots slots = new LocalSlots(SLOTS, s -> SlotUnavailableException.retry("not here", s));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private String source;
    private String deadLetters;

    @BeforeEach
    void start() throws Exception {
        // Two queues in two different slots, each served by a driver of its own.
        source = "jobs";
        int sourceSlot = SlotHash.slotOf(P, source, SLOTS);
        for (int i = 0; ; i++) {
            deadLetters = "dead-" + i;
            if (SlotHash.slotOf(P, deadLetters, SLOTS) != sourceSlot) {
                break;
            }
        }
        for (String q : List.of(source, deadLetters)) {
            FileSlotHarness h = new FileSlotHarness(dir.resolve(q), SlotResources.unlimited(), Clock.systemUTC(), SlotLimits.v1());
            harnesses.add(h);
            slots.put(h.open(SlotHash.slotOf(P, q, SLOTS), 1, d -> { }));
        }
        run(source, new SlotCommand.CreateQueue(P, source));
        run(source, new SlotCommand.SetMetadata(P, source, ("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"" + deadLetters
                + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
        harnesses.forEach(FileSlotHarness::close);
    }

    private <R> R run(String queue, SlotCommand<R> c) throws Exception {
        return slots.route(SlotHash.slotOf(P, queue, SLOTS)).submit(c).get(30, TimeUnit.SECONDS);
    }

    /** Posts {@code n} messages and gives each its one allowed attempt, which fails: its release dead-letters it. */
    private void poison(int n) throws Exception {
        for (int from = 0; from < n; from += 20) {
            List<NewMessage> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 20); i++) {
                batch.add(new NewMessage(3600, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            run(source, new SlotCommand.Publish(P, source, new UUID(0, 1), null, batch));
        }
        for (Views.ClaimView c : run(source, new SlotCommand.ClaimEach(P, source, n, 60, 60))) {
            run(source, new SlotCommand.ReleaseClaim(P, source, c.claimSeq(), 0, "Boom", "handler failed"));
        }
        assertThat(run(source, new SlotCommand.ClaimEach(P, source, n, 60, 60))).isEmpty();
    }

    @Test
    void refusedAndUnansweredHandOversAreRetriedAndEachMessageArrivesOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        MessageMover mover = new MessageMover(slots, (slot, c) -> {
            int call = calls.incrementAndGet();
            if (call <= 2) {
                return CompletableFuture.failedFuture(new IllegalStateException("target unavailable")); // refused
            }
            CompletableFuture<Integer> done = slots.route(slot).submit(c);
            if (call <= 4) {
                // Durable there, but the answer is lost: the mover must not delete, and must try again.
                return done.thenCompose(n -> CompletableFuture.failedFuture(new IllegalStateException("answer lost")));
            }
            return done;
        }, timer);
        poison(50);
        mover.wake(SlotHash.slotOf(P, source, SLOTS));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> run(source, new SlotCommand.GetStats(P, source)).total() == 0);
        Views.QueueStats dlq = run(deadLetters, new SlotCommand.GetStats(P, deadLetters));
        assertThat(dlq.total()).isEqualTo(50);
        assertThat(calls.get()).isGreaterThanOrEqualTo(5);
        // Every message once, each with its failed attempt.
        List<Views.MessageView> all = run(deadLetters, new SlotCommand.ListMessages(P, deadLetters, new UUID(9, 9), -1, 20, true,
                true, true)).messages();
        assertThat(all).allSatisfy(m -> assertThat(m.attempts()).isEqualTo(1));
        mover.close();
    }

    @Test
    void aSlotOpenedWithMovesLeftUnfinishedFinishesThem() throws Exception {
        poison(5);
        // No mover ran: the messages wait, held, in their queue. A restart of the slot finds them.
        FileSlotHarness h = harnesses.get(0);
        int sourceSlot = SlotHash.slotOf(P, source, SLOTS);
        h.release(slots.get(sourceSlot));
        MessageMover mover = new MessageMover(slots, (slot, c) -> slots.route(slot).submit(c), timer);
        h.open(sourceSlot, 2, d -> {
            d.onMovesPending(mover::wake); // as SlotHost does: the driver is routable before it recovers
            slots.put(d);
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> run(deadLetters, new SlotCommand.GetStats(P, deadLetters)).total() == 5
                        && run(source, new SlotCommand.GetStats(P, source)).total() == 0);
        mover.close();
    }

    /** Posts {@code n} messages of about {@code bytes} each, one per publish. */
    private void post(int n, int bytes) throws Exception {
        for (int i = 0; i < n; i++) {
            String body = "{\"n\":" + i + ",\"p\":\"" + "x".repeat(Math.max(0, bytes - 20)) + "\"}";
            run(source, new SlotCommand.Publish(P, source, new UUID(0, 1), null,
                    List.of(new NewMessage(3600, body.getBytes(StandardCharsets.UTF_8)))));
        }
    }

    /** A mover whose hand-overs are counted (copies and the messages they carry); {@code failing} refuses the n-th. */
    private MessageMover countingMover(List<Integer> copies, int failing) {
        return new MessageMover(slots, (slot, c) -> {
            synchronized (copies) {
                copies.add(c.messages().size());
                if (copies.size() == failing) {
                    return CompletableFuture.failedFuture(new IllegalStateException("target unavailable"));
                }
            }
            return slots.route(slot).submit(c);
        }, timer);
    }

    @Test
    void manySmallHoldsMoveInFewCopies() throws Exception {
        post(150, 30);
        // Each claim takes the next message, which fails: its release dead-letters it, 150 holds of
        // one message.
        for (int i = 0; i <= 150; i++) {
            List<Views.ClaimView> got = run(source, new SlotCommand.ClaimEach(P, source, 1, 60, 60));
            assertThat(got).hasSize(i < 150 ? 1 : 0);
            for (Views.ClaimView c : got) {
                run(source, new SlotCommand.ReleaseClaim(P, source, c.claimSeq(), 0, "Boom", null));
            }
        }
        List<Integer> copies = new ArrayList<>();
        MessageMover mover = countingMover(copies, -1);
        mover.wake(SlotHash.slotOf(P, source, SLOTS));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> run(source, new SlotCommand.GetStats(P, source)).total() == 0);
        assertThat(run(deadLetters, new SlotCommand.GetStats(P, deadLetters)).total()).isEqualTo(150);
        assertThat(copies).containsExactly(100, 50);
        mover.close();
    }

    @Test
    void aHoldTooBigForOneCopyIsSplitAndLeavesOnlyOnceAllOfItArrived() throws Exception {
        post(20, 250_000);
        // One claim of all 20, released after its last allowed attempt: one hold of 20 messages,
        // 5 MB, more than one copy may carry.
        Views.ClaimView all = run(source, new SlotCommand.CreateClaim(P, source, 20, 60, 60));
        assertThat(all.messages()).hasSize(20);
        run(source, new SlotCommand.ReleaseClaim(P, source, all.claimSeq(), 0, "Boom", null));
        assertThat(run(source, new SlotCommand.ClaimEach(P, source, 20, 60, 60))).isEmpty();
        List<Integer> copies = new ArrayList<>();
        // The second part is refused once: the pass starts again, and the first part, sent again,
        // is taken once.
        MessageMover mover = countingMover(copies, 2);
        mover.wake(SlotHash.slotOf(P, source, SLOTS));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> run(source, new SlotCommand.GetStats(P, source)).total() == 0);
        assertThat(run(deadLetters, new SlotCommand.GetStats(P, deadLetters)).total()).isEqualTo(20);
        assertThat(copies).hasSize(4).allSatisfy(n -> assertThat(n).isLessThan(20));
        assertThat(copies.get(0) + copies.get(1)).isEqualTo(20);
        mover.close();
    }
}
