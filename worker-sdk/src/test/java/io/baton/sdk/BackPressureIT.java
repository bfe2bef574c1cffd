package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.broker.log.FaultyDisk;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.testing.LocalBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Limits a producer meets: the broker's memory budget, its disk's free-space floor and a queue's
 * quota. Past each, a publish is refused whole with RESOURCE_EXHAUSTED and a message that names
 * the limit; claims, deletes and reads keep working, so workers can drain; once they have,
 * publishes are accepted again, without a restart.
 */
class BackPressureIT {
    private static final String BODY = "{\"pad\":\"" + "x".repeat(10_000) + "\"}";

    private static BatonClient client(LocalBroker local) {
        return BatonClient.builder().target(local.address()).project("pressure").callTimeout(Duration.ofSeconds(5)).build();
    }

    /** Publishes batches of 20 small messages until refused; returns how many messages were accepted. */
    private static int fill(BatonClient c, String q, int maxBatches) {
        List<NewMessage> batch = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            batch.add(new NewMessage(600, "{\"k\":" + k + "}"));
        }
        for (int i = 0; i < maxBatches; i++) {
            try {
                c.publish(q, batch);
            } catch (ResourceExhaustedException e) {
                return i * 20;
            }
        }
        throw new AssertionError("never refused after " + maxBatches + " batches");
    }

    /** Claims and deletes {@code n} messages. */
    private static void drain(BatonClient c, String q, int n) {
        for (int done = 0; done < n; ) {
            Claim claim = c.claim(q, Math.min(20, n - done), 60, 60);
            assertThat(claim.messages()).isNotEmpty();
            for (Message m : claim.messages()) {
                assertThat(c.deleteMessage(q, m.id(), claim.id())).isTrue();
                done++;
            }
        }
    }

    @Test
    void overTheMemoryBudgetPublishesAreRefusedAndDrainingMakesRoom() throws Exception {
        try (LocalBroker local = LocalBroker.start(b -> b.memoryBudget(1L << 20));
             BatonClient c = client(local)) {
            c.createQueue("jobs");
            // Bodies stay on disk: what the budget bounds is the index, 40 bytes a message.
            int accepted = fill(c, "jobs", 5000);
            assertThat(accepted).isBetween(10_000, 32_000);
            assertThatThrownBy(() -> c.publish("jobs", List.of(new NewMessage(600, BODY))))
                    .isInstanceOf(ResourceExhaustedException.class).hasMessageContaining("memory budget")
                    .extracting(e -> ((BatonException) e).code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
            // Reads, claims and deletes work meanwhile.
            assertThat(c.stats("jobs").total()).isEqualTo(accepted);
            drain(c, "jobs", 1_000); // each delete gives its 40 bytes back: room for the 10 KB post below
            Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> c.publish("jobs", List.of(new NewMessage(600, BODY))).ids().size() == 1);
            assertThat(local.broker().metrics().registry().scrape().lines()
                    .filter(l -> l.startsWith("baton_writes_refused_total "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum()).isPositive();
        }
    }

    @Test
    void aDiskUnderItsFloorRefusesNewMessagesUsesItsReserveWhenFullAndRecoversByItself() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        try (LocalBroker local = LocalBroker.start(b -> b.disk(disk)
                .diskSpace(new io.baton.broker.log.FileSlotLogFactory.Space(256L << 20, 8L << 20)));
             BatonClient c = client(local)) {
            c.createQueue("jobs");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.addAll(c.publish("jobs", List.of(new NewMessage(600, BODY))).ids());
            }
            var reserve = local.dir().resolve("broker").resolve("reserve");
            assertThat(Files.size(reserve)).isEqualTo(8L << 20);

            disk.usableSpace(100L << 20); // under the default floor of 256 MiB
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> local.broker().metrics().registry().scrape().contains("baton_disk_low 1.0"));
            assertThatThrownBy(() -> c.publish("jobs", List.of(new NewMessage(600, BODY))))
                    .isInstanceOf(ResourceExhaustedException.class).hasMessageContaining("disk is nearly full");
            assertThatThrownBy(() -> c.createQueue("more")).isInstanceOf(ResourceExhaustedException.class);
            drain(c, "jobs", 3);
            assertThat(c.stats("jobs").total()).isEqualTo(7);

            disk.usableSpace(0); // full: the reserve goes, so deletes and acks have room
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(reserve));
            drain(c, "jobs", 2);

            disk.usableSpace(-1); // the real disk again, with space
            Awaitility.await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> c.publish("jobs", List.of(new NewMessage(600, BODY))).ids().size() == 1);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(reserve));
            assertThat(c.stats("jobs").total()).isEqualTo(6);
        }
    }

    @Test
    void aQueueQuotaRefusesPastItsMessagesOnly() throws Exception {
        try (LocalBroker local = LocalBroker.start(b -> b.limits(SlotLimits.v1().withQueueQuota(5, Long.MAX_VALUE)));
             BatonClient c = client(local)) {
            c.createQueue("small");
            c.createQueue("other");
            c.publish("small", List.of(new NewMessage(600, "1"), new NewMessage(600, "2"), new NewMessage(600, "3")));
            assertThatThrownBy(() -> c.publish("small", List.of(new NewMessage(600, "4"), new NewMessage(600, "5"),
                    new NewMessage(600, "6")))).isInstanceOf(ResourceExhaustedException.class).hasMessageContaining("at most 5");
            assertThat(c.stats("small").total()).isEqualTo(3);
            c.publish("small", List.of(new NewMessage(600, "4"), new NewMessage(600, "5")));
            c.publish("other", List.of(new NewMessage(600, "1")));
        }
    }
}
