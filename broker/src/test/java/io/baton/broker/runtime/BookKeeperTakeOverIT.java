package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.log.BookKeeperSlotLog;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.PublishResult;
import io.baton.broker.testing.LocalBookKeeper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode, a slot with a large backlog changing owners twice (ZooKeeper and three bookies in
 * this JVM, slot drivers as brokers run them): the new owner restores the index from the last
 * snapshot and replays only what came after it, serves every waiting message with its body read
 * back from the ledger entry that posted it, and the fenced owner can no longer write. A third
 * owner then sees the second one's deletes exactly.
 */
class BookKeeperTakeOverIT {
    private static final String P = "p";
    private static final String Q = "q";
    private static final int MESSAGES = 100_000;
    private static final UUID CLIENT = UUID.randomUUID();

    private static LocalBookKeeper cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalBookKeeper.start("baton-takeover");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    private static byte[] body(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "z".repeat(150) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static SlotDriver owner(String path, long epoch, SlotLane lane) throws Exception {
        SlotDriver d = new SlotDriver(5, epoch, BookKeeperSlotLog.open(cluster.bk(), cluster.zk(), path, epoch, BookKeeperSlotLog.Replication.DEFAULT),
                lane, Clock.systemUTC(), SlotLimits.v1(), new CheckpointPolicy(1 << 20), nanos -> { });
        d.recover().get(120, TimeUnit.SECONDS);
        return d;
    }

    /** Reads {@code seqs} back in requests of 20 and checks each body is the one posted as number {@code n}. */
    private static void assertBodies(SlotDriver d, List<Long> seqs, List<Integer> numbers) throws Exception {
        for (int i = 0; i < seqs.size(); i += 20) {
            int to = Math.min(seqs.size(), i + 20);
            long[] chunk = seqs.subList(i, to).stream().mapToLong(Long::longValue).toArray();
            List<MessageView> views = d.submit(new SlotCommand.GetMessages(P, Q, chunk)).get(30, TimeUnit.SECONDS);
            assertThat(views).hasSize(to - i);
            for (int k = 0; k < views.size(); k++) {
                assertThat(views.get(k).seq()).isEqualTo(chunk[k]);
                assertThat(new String(views.get(k).body(), StandardCharsets.UTF_8))
                        .isEqualTo(new String(body(numbers.get(i + k)), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aLargeBacklogIsTakenOverFromItsIndexAndEveryBodyIsServedFromTheLedgers() throws Exception {
        String path = "/baton/test/takeover/" + UUID.randomUUID() + "/log";
        try (SlotLane laneA = new SlotLane("owner-a"); SlotLane laneB = new SlotLane("owner-b");
             SlotLane laneC = new SlotLane("owner-c")) {
            SlotDriver a = owner(path, 1, laneA);
            a.submit(new SlotCommand.CreateQueue(P, Q)).get();
            List<Long> seqs = new ArrayList<>(MESSAGES);
            ArrayDeque<CompletableFuture<PublishResult>> inFlight = new ArrayDeque<>();
            for (int i = 0; i < MESSAGES; i += 20) {
                List<NewMessage> batch = new ArrayList<>(20);
                for (int k = i; k < i + 20; k++) {
                    batch.add(new NewMessage(3600, body(k)));
                }
                inFlight.add(a.submit(new SlotCommand.Publish(P, Q, CLIENT, null, batch)));
                if (inFlight.size() >= 32) {
                    seqs.addAll(inFlight.poll().get(60, TimeUnit.SECONDS).seqs());
                }
            }
            while (!inFlight.isEmpty()) {
                seqs.addAll(inFlight.poll().get(60, TimeUnit.SECONDS).seqs());
            }
            // The growing backlog was checkpointed as it grew: most of the log lies before the last snapshot.
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                a.tick();
                return a.log().bytesSinceCheckpoint() < MESSAGES * 200L / 2;
            });

            SlotDriver b = owner(path, 2, laneB);
            assertThat(b.submit(new SlotCommand.GetStats(P, Q)).get().total()).isEqualTo(MESSAGES);
            List<Integer> sample = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i += 997) {
                sample.add(i);
            }
            sample.add(MESSAGES - 1);
            assertBodies(b, sample.stream().map(seqs::get).toList(), sample);
            // The first owner was fenced: nothing it writes can be acknowledged any more.
            assertThatThrownBy(() -> a.submit(new SlotCommand.Publish(P, Q, CLIENT, null, List.of(new NewMessage(60, body(-1)))))
                    .get(60, TimeUnit.SECONDS)).isInstanceOf(java.util.concurrent.ExecutionException.class);

            // The second owner deletes the oldest 60%, then a third takes over from it.
            int deleted = MESSAGES * 6 / 10;
            List<CompletableFuture<Integer>> deletes = new ArrayList<>();
            for (int i = 0; i < deleted; i += 20) {
                long[] chunk = seqs.subList(i, i + 20).stream().mapToLong(Long::longValue).toArray();
                deletes.add(b.submit(new SlotCommand.DeleteMessages(P, Q, chunk)));
                if (deletes.size() >= 32) {
                    deletes.remove(0).get(60, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<Integer> f : deletes) {
                f.get(60, TimeUnit.SECONDS);
            }
            SlotDriver c = owner(path, 3, laneC);
            assertThat(c.submit(new SlotCommand.GetStats(P, Q)).get().total()).isEqualTo(MESSAGES - deleted);
            assertThat(c.submit(new SlotCommand.GetMessages(P, Q, new long[] {seqs.get(0), seqs.get(deleted - 1)})).get())
                    .isEmpty();
            List<Integer> rest = sample.stream().filter(n -> n >= deleted).toList();
            assertBodies(c, rest.stream().map(seqs::get).toList(), rest);
            c.release().get(30, TimeUnit.SECONDS);
        }
    }
}
