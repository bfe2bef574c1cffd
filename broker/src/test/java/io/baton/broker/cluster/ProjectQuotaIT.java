package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.api.SlotHash;
import io.baton.broker.Broker;
import io.baton.broker.quota.Quota;
import io.baton.broker.quota.QuotaPolicy;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotException;
import io.baton.broker.slot.Views;
import io.baton.broker.testing.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A project's quota holds across the brokers of a cluster: two brokers (controller, their own
 * disks) on a real ZooKeeper, a project with queues on both. Messages held on one broker count
 * against publishes on the other once reported; deleting them makes room on both; a broker that
 * leaves takes its share with it, and the broker that takes its slots over counts them again.
 */
class ProjectQuotaIT {
    private static final int SLOTS = 8;
    private static final String PROJECT = "tenant";
    private LocalCluster cluster;
    private final QuotaPolicy policy = new QuotaPolicy(new Quota(10, 1 << 20), Map.of("vip", Quota.UNLIMITED));

    @BeforeEach
    void start() throws Exception {
        cluster = LocalCluster.start("quota", 2, SLOTS, b -> b.projectQuotas(() -> policy));
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    /** A queue of {@code project} whose slot {@code b} serves. */
    private String queueOn(Broker b, String project) {
        return cluster.queueOn(b, project, "q");
    }

    private static Views.PublishResult post(Broker b, String project, String q, int count) throws Exception {
        List<NewMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(new NewMessage(300, "{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        }
        return b.slots().route(SlotHash.slotOf(project, q, SLOTS))
                .submit(new SlotCommand.Publish(project, q, UUID.randomUUID(), null, messages)).get(30, TimeUnit.SECONDS);
    }

    private static <R> R run(Broker b, String project, String q, SlotCommand<R> c) throws Exception {
        return b.slots().route(SlotHash.slotOf(project, q, SLOTS)).submit(c).get(30, TimeUnit.SECONDS);
    }

    private static ErrorCode refusal(Broker b, String project, String q, int count) {
        try {
            post(b, project, q, count);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof SlotException s ? s.code() : ErrorCode.INTERNAL;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until {@code b} knows the project to hold {@code messages} across the cluster. */
    private static void awaitUsage(Broker b, long messages) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> b.quotas().usage(PROJECT).messages() == messages);
    }

    @Test
    void aProjectsQuotaCountsWhatEveryBrokerHolds() throws Exception {
        Broker one = cluster.broker(0);
        Broker two = cluster.broker(1);
        String onOne = queueOn(one, PROJECT);
        String onTwo = queueOn(two, PROJECT);
        run(one, PROJECT, onOne, new SlotCommand.CreateQueue(PROJECT, onOne));
        run(two, PROJECT, onTwo, new SlotCommand.CreateQueue(PROJECT, onTwo));

        post(one, PROJECT, onOne, 7);
        // Broker two learns of the 7 within a reporting interval; then only 3 more fit anywhere.
        awaitUsage(two, 7);
        assertThat(refusal(two, PROJECT, onTwo, 4)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        post(two, PROJECT, onTwo, 3);
        assertThat(refusal(two, PROJECT, onTwo, 1)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        awaitUsage(one, 10);
        assertThatThrownBy(() -> post(one, PROJECT, onOne, 1)).hasMessageContaining("Project tenant holds 10 messages and may hold at most 10");

        // Other projects are not affected; a project exempted by name has no quota.
        String other = queueOn(one, "other");
        run(one, "other", other, new SlotCommand.CreateQueue("other", other));
        post(one, "other", other, 10);
        String vip = queueOn(two, "vip");
        run(two, "vip", vip, new SlotCommand.CreateQueue("vip", vip));
        post(two, "vip", vip, 20);

        // Workers drain on broker one: both brokers take messages again.
        Views.ClaimView c = run(one, PROJECT, onOne, new SlotCommand.CreateClaim(PROJECT, onOne, 5, 60, 60));
        long[] seqs = c.messages().stream().mapToLong(Views.MessageView::seq).toArray();
        run(one, PROJECT, onOne, new SlotCommand.DeleteMessages(PROJECT, onOne, seqs));
        post(one, PROJECT, onOne, 2);
        awaitUsage(two, 7);
        post(two, PROJECT, onTwo, 3);
        assertThat(refusal(two, PROJECT, onTwo, 1)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);

        // Broker two leaves, and its share of the project with it: its slots' logs are on its own
        // disk here (no BookKeeper), so broker one serves them empty and counts only its 4.
        cluster.stop(two);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> LocalCluster.served(one) == SLOTS);
        awaitUsage(one, 4);
        assertThat(one.quotas().usage(PROJECT).bytes()).isEqualTo(4 * 7);
        run(one, PROJECT, onTwo, new SlotCommand.CreateQueue(PROJECT, onTwo));
        post(one, PROJECT, onTwo, 6);
        assertThat(refusal(one, PROJECT, onOne, 1)).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
    }
}
