package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.SlotHash;
import io.baton.broker.Broker;
import io.baton.broker.slot.Attempt;
import io.baton.broker.slot.AttemptOutcome;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views;
import io.baton.broker.testing.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dead letters across brokers: two brokers with a controller on a real ZooKeeper, the queue on one
 * and its dead-letter queue on the other. Messages go over gRPC (MoveService) exactly once, with
 * their ledgers, and a redrive brings them back the same way. The cluster is closed as
 * docs/OPERATIONS.md describes: brokers call each other over mutual TLS with their service token
 * (which the tokens file must grant every project), their znodes belong to the cluster's ZooKeeper
 * identity and their ledgers carry a password of its own.
 */
class DeadLetterClusterIT {
    private static final int SLOTS = 8;
    private static final String P = "tenant";
    private static final String SERVICE = "broker-service-token-0123";
    private LocalCluster cluster;
    private Path tokens;
    private Path certificates;

    @BeforeEach
    void start() throws Exception {
        tokens = Files.createTempFile("tokens", ".json");
        grantService("[\"*\"]");
        io.baton.auth.TokenFile credentials = io.baton.auth.TokenFile.load(tokens);
        certificates = Files.createTempDirectory("tls");
        io.baton.api.tls.TlsCredentials tls = io.baton.broker.testing.TestCertificates.create(certificates).server(true);
        io.baton.broker.log.LedgerPasswords ledgers = new io.baton.broker.log.LedgerPasswords(
                java.util.List.of("ledger-password-0123456789".getBytes(StandardCharsets.UTF_8)));
        cluster = LocalCluster.start("dlq", 2, SLOTS, b -> b.credentials(credentials).serviceToken(SERVICE).tls(tls)
                .zooKeeperCredentials("baton:zk-password-0123456789").ledgerPasswords(ledgers));
    }

    /** Rewrites the tokens file: the brokers' service token grants {@code projects}. */
    private void grantService(String projects) throws Exception {
        Files.writeString(tokens, "{\"tokens\": {\"" + SERVICE + "\": " + projects + "}}");
        Files.setLastModifiedTime(tokens, FileTime.from(Instant.now().plusSeconds(projects.length())));
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
        Files.deleteIfExists(tokens);
        org.apache.commons.io.FileUtils.deleteDirectory(certificates.toFile());
    }

    private <R> R run(Broker b, String q, SlotCommand<R> c) throws Exception {
        return cluster.run(b, P, q, c);
    }

    /** A queue served by {@code one} that dead-letters after one claim into a queue served by {@code two}: both names. */
    private String[] deadLettering(Broker one, Broker two) throws Exception {
        String jobs = cluster.queueOn(one, P, "jobs");
        String dlq = cluster.queueOn(two, P, "dead");
        run(one, jobs, new SlotCommand.CreateQueue(P, jobs));
        run(one, jobs, new SlotCommand.SetMetadata(P, jobs, ("{\"_max_claim_count\":1,\"_dead_letter_queue\":\"" + dlq + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        return new String[] {jobs, dlq};
    }

    @Test
    void deadLettersCrossToTheBrokerOfTheirQueueAndARedriveBringsThemBack() throws Exception {
        Broker one = cluster.broker(0);
        Broker two = cluster.broker(1);
        String[] names = deadLettering(one, two);
        String jobs = names[0];
        String dlq = names[1];
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(new NewMessage(3600, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        run(one, jobs, new SlotCommand.Publish(P, jobs, UUID.randomUUID(), null, batch));
        for (Views.ClaimView c : run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60))) {
            run(one, jobs, new SlotCommand.ReleaseClaim(P, jobs, c.claimSeq(), 0, "Poison", "bad input"));
        }
        assertThat(run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60))).isEmpty(); // all ten move instead

        // The copies are durable there first; then the originals go from here.
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> run(two, dlq, new SlotCommand.GetStats(P, dlq)).total() == 10
                        && run(one, jobs, new SlotCommand.GetStats(P, jobs)).total() == 0);
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
                .until(() -> run(one, jobs, new SlotCommand.GetStats(P, jobs)).total() == 10
                        && run(two, dlq, new SlotCommand.GetStats(P, dlq)).total() == 0);
        // Back home, each may be claimed again (its claims count afresh), with its whole ledger.
        List<Views.ClaimView> again = run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 10, 60, 60));
        assertThat(again).hasSize(10);
        assertThat(again).allSatisfy(c -> assertThat(c.messages().get(0).attempts()).isEqualTo(2));
    }

    @Test
    void movesWaitWhileTheTargetBrokerIsGoneAndFinishOnceItsSlotIsServedAgain() throws Exception {
        Broker one = cluster.broker(0);
        Broker two = cluster.broker(1);
        String[] names = deadLettering(one, two);
        String jobs = names[0];
        String dlq = names[1];
        cluster.stop(two); // the dead-letter queue's broker leaves; its slots are reassigned to the one left
        run(one, jobs, new SlotCommand.Publish(P, jobs, UUID.randomUUID(), null,
                List.of(new NewMessage(3600, "{}".getBytes(StandardCharsets.UTF_8)))));
        Views.ClaimView c = run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60)).get(0);
        run(one, jobs, new SlotCommand.ReleaseClaim(P, jobs, c.claimSeq()));
        run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60));
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> run(one, dlq, new SlotCommand.GetStats(P, dlq)).total() == 1
                        && run(one, jobs, new SlotCommand.GetStats(P, jobs)).total() == 0);
    }

    @Test
    void aBrokerWhoseServiceTokenIsNotGrantedEveryProjectCannotMoveAndNothingIsLost() throws Exception {
        Broker one = cluster.broker(0);
        Broker two = cluster.broker(1);
        String[] names = deadLettering(one, two);
        String jobs = names[0];
        String dlq = names[1];
        grantService("[\"" + P + "\"]"); // a tenant's grant: not a broker's
        Thread.sleep(1_100); // the file is re-read at most once a second
        run(one, jobs, new SlotCommand.Publish(P, jobs, UUID.randomUUID(), null,
                List.of(new NewMessage(3600, "{}".getBytes(StandardCharsets.UTF_8)))));
        Views.ClaimView c = run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60)).get(0);
        run(one, jobs, new SlotCommand.ReleaseClaim(P, jobs, c.claimSeq()));
        assertThat(run(one, jobs, new SlotCommand.ClaimEach(P, jobs, 1, 60, 60))).isEmpty(); // moving: held here
        // The other broker refuses the copy (PERMISSION_DENIED): the message stays, held, where it was.
        Thread.sleep(1_000);
        assertThat(run(two, dlq, new SlotCommand.QueueExists(P, dlq))).isFalse(); // nothing arrived, not even the queue
        assertThat(run(one, jobs, new SlotCommand.GetStats(P, jobs)).total()).isOne();
        assertThat(one.metrics().registry().get("baton.grpc.auth.refused").tag("reason", "permission_denied").counter().count())
                .isZero(); // refused by the other broker, not this one
        assertThat(two.metrics().registry().get("baton.grpc.auth.refused").tag("reason", "permission_denied").counter().count())
                .isPositive();
        // Granted again: the mover's next try goes through.
        grantService("[\"*\"]");
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> run(two, dlq, new SlotCommand.GetStats(P, dlq)).total() == 1
                        && run(one, jobs, new SlotCommand.GetStats(P, jobs)).total() == 0);
    }
}
