package io.baton.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.quota.ProjectQuotas.Reservation;
import io.baton.broker.quota.ProjectQuotas.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ProjectQuotasTest {
    private final AtomicReference<QuotaPolicy> policy = new AtomicReference<>(
            new QuotaPolicy(new Quota(10, 1_000), Map.of("big", new Quota(100, 100_000), "free", Quota.UNLIMITED)));
    private final ProjectQuotas quotas = new ProjectQuotas(policy::get);

    @Test
    void aPublishThatWouldPassEitherLimitIsRefusedAndReservesNothing() {
        quotas.localChanged("p", 8, 400);
        Reservation ok = quotas.admit("p", 2, 100);
        assertThatThrownBy(() -> quotas.admit("p", 1, 1)).isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("Project p holds 10 messages and may hold at most 10");
        ok.release();
        assertThatThrownBy(() -> quotas.admit("p", 1, 601)).isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("400 bytes of messages and may hold at most 1000 bytes");
        quotas.admit("p", 2, 600).release(); // exactly at both limits
        assertThat(quotas.refused()).isEqualTo(2);
        assertThat(quotas.usage("p")).isEqualTo(new Usage(8, 400));
    }

    @Test
    void eachProjectHasItsOwnQuotaOrTheDefault() {
        quotas.localChanged("a", 10, 10);
        assertThatThrownBy(() -> quotas.admit("a", 1, 1)).isInstanceOf(QuotaExceededException.class);
        quotas.admit("b", 10, 1_000).release();
        quotas.localChanged("big", 99, 10);
        quotas.admit("big", 1, 1).release();
        quotas.localChanged("free", 1_000_000, 1L << 40);
        assertThat(quotas.admit("free", 1_000, 1 << 20)).isSameAs(Reservation.NONE);
    }

    @Test
    void whatTheOtherBrokersHoldCounts() {
        quotas.localChanged("p", 4, 10);
        quotas.remoteUsage(Map.of("p", new Usage(5, 10)));
        quotas.admit("p", 1, 1).release();
        assertThatThrownBy(() -> quotas.admit("p", 2, 1)).isInstanceOf(QuotaExceededException.class)
                .hasMessageContaining("holds 9 messages");
        quotas.remoteUsage(Map.of());
        quotas.admit("p", 6, 1).release();
        assertThat(quotas.localUsage()).isEqualTo(Map.of("p", new Usage(4, 10)));
    }

    @Test
    void aProjectThatHoldsNothingIsForgotten() {
        quotas.localChanged("p", 3, 30);
        quotas.admit("p", 1, 1).release();
        quotas.localChanged("p", -3, -30);
        assertThat(quotas.localUsage()).isEmpty();
        assertThat(quotas.usage("p")).isEqualTo(Usage.ZERO);
    }

    @Test
    void aPolicyChangeAppliesToTheNextPublish() {
        quotas.localChanged("p", 10, 10);
        assertThatThrownBy(() -> quotas.admit("p", 1, 1)).isInstanceOf(QuotaExceededException.class);
        policy.set(new QuotaPolicy(new Quota(20, 1_000), Map.of()));
        quotas.admit("p", 10, 10).release();
        policy.set(QuotaPolicy.NONE);
        assertThat(quotas.admit("p", 1_000, 1_000)).isSameAs(Reservation.NONE);
    }

    @Test
    void concurrentPublishesNeverPassAQuotaTogether() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Reservation>>> admitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                admitted.add(pool.submit(() -> {
                    go.await();
                    List<Reservation> mine = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        try {
                            mine.add(quotas.admit("big", 1, 10));
                        } catch (QuotaExceededException refused) {
                            // expected past the quota
                        }
                    }
                    return mine;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<List<Reservation>> f : admitted) {
                total += f.get().size();
            }
            assertThat(total).isEqualTo(100);
            assertThat(quotas.refused()).isEqualTo(threads * 50 - 100);
        } finally {
            pool.shutdownNow();
        }
    }
}
