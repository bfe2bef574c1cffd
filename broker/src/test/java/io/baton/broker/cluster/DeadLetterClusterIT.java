package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.SlotHash;
import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.slot.Attempt;
import io.baton.broker.slot.AttemptOutcome;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dead letters across brokers: two brokers with a controller on a real ZooKeeper, the queue on one
 * and its dead-letter queue on the other. Messages go over gRPC (MoveService) exactly once, with
 * their ledgers, and a redrive brings them back the same way.
 */
class DeadLetterClusterIT {
    private static final int SLOTS = 8;
    private static final String P = "tenant";
    private Path root;
    private EmbeddedZooKeeper zookeeper;
    private final List<Broker> brokers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory("baton-dlq");
        zookeeper = new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0);
        for (String id : List.of("broker-1", "broker-2")) {
            brokers.add(Broker.start(BrokerConfig.builder().brokerId(id).cluster("dlq").zkConnect(zookeeper.connectString())
                    .dataDir(root.resolve(id)).slotCount(SLOTS).slotThreads(1).selfAssignAllSlots(false).controller(true)
                    .handOverTimeout(Duration.ofSeconds(10)).build()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> brokers.stream().allMatch(b -> served(b) > 0)
                && brokers.stream().mapToInt(DeadLetterClusterIT::served).sum() == SLOTS);
    }

    private static int served(Broker b) {
        return (int) b.slots().all().stream().filter(d -> d.state() == io.baton.broker.runtime.SlotOwnershipState.SERVING).count();
    }

    @AfterEach
    void stop() throws Exception {
        for (Broker b : brokers) {
            b.close();
        }
        zookeeper.close();
        FileUtils.deleteDirectory(root.toFile());
    }

    /** A queue name starting with {@code prefix} whose slot {@code b} serves. */
    private static String queueOn(Broker b, String prefix) {
        for (int i = 0; ; i++) {
            String q = prefix + i;
            if (b.slots().get(SlotHash.slotOf(P, q, SLOTS)) != null) {
                return q;
            }
        }
    }

    private static <R> R run(Broker b, String q, SlotCommand<R> c) throws Exception {
        return b.slots().route(SlotHash.slotOf(P, q, SLOTS)).submit(c).get(30, TimeUnit.SECONDS);
    }

    @Test
    void deadLettersCrossToTheBrokerOfTheirQueueAndARedriveBringsThemBack() throws Exception {
        Broker one = brokers.get(0);
        Broker two = brokers.get(1);
        String jobs = queueOn(one, "jobs");
        String dlq = queueOn(two, "dead");
        run(one, jobs, new SlotCommand.CreateQueue(P, jobs));
        run(one, jobs, new SlotCommand.SetMetadata(P, jobs, ("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"" + dlq + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(new NewMessage(3600, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        run(one, jobs, new SlotCommand.Publish(P, jobs, UUID.randomUUID(), null, batch));
        for (Views.ClaimView c : run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60))) {
            run(one, jobs, new SlotCommand.ReleaseClaim(P, jobs, c.claimSeq(), 0, "Poison", "bad input"));
        }
        assertThat(run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60))).isEmpty(); // all ten move instead

        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> run(two, dlq, new SlotCommand.GetStats(P, dlq)).total() == 10);
        assertThat(run(one, jobs, new SlotCommand.GetStats(P, jobs)).total()).isZero();
        Views.MessagePage dead = run(two, dlq, new SlotCommand.ListMessages(P, dlq, UUID.randomUUID(), -1, 20, true, true, true));
        assertThat(dead.messages()).hasSize(10).allSatisfy(m -> {
            assertThat(m.attempts()).isEqualTo(1);
            Attempt a = m.ledger().get(0);
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.RELEASED);
            assertThat(a.slot()).isEqualTo(SlotHash.slotOf(P, jobs, SLOTS)); // the claim was made on the other broker
        });

        Views.RedriveResult r = run(two, dlq, new SlotCommand.Redrive(P, dlq, new long[0], 100));
        assertThat(r.started()).isEqualTo(10);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> run(one, jobs, new SlotCommand.GetStats(P, jobs)).total() == 10);
        assertThat(run(two, dlq, new SlotCommand.GetStats(P, dlq)).total()).isZero();
        // Back home, each may be claimed again (its claims count afresh), with its whole ledger.
        List<Views.ClaimView> again = run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60));
        assertThat(again).hasSize(10);
        assertThat(again).allSatisfy(c -> assertThat(c.messages().get(0).attempts()).isEqualTo(2));
    }

    @Test
    void movesWaitWhileTheTargetBrokerIsGoneAndFinishOnceItsSlotIsServedAgain() throws Exception {
        Broker one = brokers.get(0);
        Broker two = brokers.get(1);
        String jobs = queueOn(one, "jobs");
        String dlq = queueOn(two, "dead");
        run(one, jobs, new SlotCommand.CreateQueue(P, jobs));
        run(one, jobs, new SlotCommand.SetMetadata(P, jobs, ("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"" + dlq + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        two.close(); // the dead-letter queue's broker leaves; its slots are reassigned to the one left
        brokers.remove(two);
        run(one, jobs, new SlotCommand.Publish(P, jobs, UUID.randomUUID(), null,
                List.of(new NewMessage(3600, "{}".getBytes(StandardCharsets.UTF_8)))));
        Views.ClaimView c = run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60)).get(0);
        run(one, jobs, new SlotCommand.ReleaseClaim(P, jobs, c.claimSeq()));
        run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60));
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> run(one, dlq, new SlotCommand.GetStats(P, dlq)).total() == 1);
        assertThat(run(one, jobs, new SlotCommand.GetStats(P, jobs)).total()).isZero();
    }
}
