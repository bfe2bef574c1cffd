package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.quota.Quota;
import io.baton.broker.quota.QuotaPolicy;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slot counts what it holds against the broker's memory budget and its projects' quotas while
 * it is served here, and no longer once it is released: a slot that moved to another broker, or
 * was reopened by a new driver, is never counted twice.
 */
class SlotAccountTest {
    private static final UUID CLIENT = new UUID(1, 2);

    @TempDir
    Path dir;

    private final Admission admission = new Admission(1L << 30, () -> null);
    private final ProjectQuotas quotas = new ProjectQuotas(() -> new QuotaPolicy(new Quota(25, 1 << 20), Map.of()));
    private FileSlotHarness slots;

    @BeforeEach
    void start() {
        slots = new FileSlotHarness(dir, new SlotResources(admission, quotas, new BodyCache(0, 1),
                SlotResources.bodyReaderPool(1), SeqReservations.NONE));
    }

    @AfterEach
    void stop() {
        slots.close();
    }

    private SlotDriver open() throws Exception {
        return slots.open(1, 1, d -> { });
    }

    private void release(SlotDriver d) throws Exception {
        slots.release(d);
    }

    private static void post(SlotDriver d, String project, int count) throws Exception {
        List<NewMessage> batch = java.util.Collections.nCopies(count, new NewMessage(3600, "{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        d.submit(new SlotCommand.Publish(project, "q", CLIENT, null, batch)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReleasedSlotTakesItsShareWithItAndAReopenedOneCountsOnce() throws Exception {
        SlotDriver d = open();
        for (String p : List.of("a", "b")) {
            d.submit(new SlotCommand.CreateQueue(p, "q")).get();
            post(d, p, 20);
        }
        long held = admission.used();
        assertThat(held).isPositive();
        assertThat(quotas.usage("a")).isEqualTo(new ProjectQuotas.Usage(20, 140));
        assertThatThrownBy(() -> post(d, "a", 6)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(SlotException.class).extracting(e -> ((SlotException) e).code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        post(d, "a", 5); // exactly at the quota: the refused publish reserved nothing

        release(d);
        assertThat(admission.used()).isZero();
        assertThat(quotas.localUsage()).isEmpty();

        SlotDriver reopened = open();
        assertThat(quotas.localUsage()).isEqualTo(Map.of("a", new ProjectQuotas.Usage(25, 175),
                "b", new ProjectQuotas.Usage(20, 140)));
        assertThat(admission.used()).isBetween(held, held * 2);
        release(reopened);
        assertThat(admission.used()).isZero();
    }
}
