package io.baton.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.api.Limits;
import io.baton.api.v1.Ack;
import io.baton.api.v1.Release;
import io.baton.api.v1.WorkRequest;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Whatever is pending goes out whole, in order, in requests each broker accepts and within the limits. */
class SettlementsTest {
    private static List<Ack> acks(int n) {
        List<Ack> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Ack.newBuilder().setMessageId("m" + i).setClaimId("c" + i).build());
        }
        return out;
    }

    private static List<Release> releases(int n) {
        List<Release> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Release.newBuilder().setClaimId("r" + i).build());
        }
        return out;
    }

    @Property(tries = 200)
    void everyAckAndReleaseGoesOutOnceInOrderWithinTheLimits(@ForAll @IntRange(max = 2_600) int ackCount,
                                                              @ForAll @IntRange(max = 2_600) int releaseCount,
                                                              @ForAll boolean settle) {
        List<Ack> acks = acks(ackCount);
        List<Release> releases = releases(releaseCount);
        List<WorkRequest> requests = Settlements.requests(acks, releases, settle);
        List<Ack> sentAcks = new ArrayList<>();
        List<Release> sentReleases = new ArrayList<>();
        boolean releasesBegan = false;
        for (WorkRequest r : requests) {
            switch (r.getKindCase()) {
                case SETTLE -> {
                    assertThat(settle).as("settle only to a broker that accepts it").isTrue();
                    assertThat(r.getSettle().getAcksCount()).isBetween(0, Limits.WORK_BATCH_MAX);
                    assertThat(r.getSettle().getReleasesCount()).isBetween(r.getSettle().getAcksCount() == 0 ? 1 : 0,
                            Limits.WORK_BATCH_MAX);
                    sentAcks.addAll(r.getSettle().getAcksList());
                    sentReleases.addAll(r.getSettle().getReleasesList());
                }
                case ACKS -> {
                    assertThat(settle).as("acks go in a settle to a broker that accepts it").isFalse();
                    assertThat(releasesBegan).as("without settle, acks go before releases").isFalse();
                    assertThat(r.getAcks().getAcksCount()).isBetween(1, Limits.WORK_BATCH_MAX);
                    sentAcks.addAll(r.getAcks().getAcksList());
                }
                case RELEASES -> {
                    releasesBegan = true;
                    assertThat(r.getReleases().getReleasesCount()).isBetween(1, Limits.WORK_BATCH_MAX);
                    sentReleases.addAll(r.getReleases().getReleasesList());
                }
                default -> throw new AssertionError("unexpected request " + r.getKindCase());
            }
        }
        assertThat(sentAcks).isEqualTo(acks);
        assertThat(sentReleases).isEqualTo(releases);
        int full = Math.max(ackCount, releaseCount);
        int fewest = settle ? (full + Limits.WORK_BATCH_MAX - 1) / Limits.WORK_BATCH_MAX
                : (ackCount + Limits.WORK_BATCH_MAX - 1) / Limits.WORK_BATCH_MAX
                        + (releaseCount + Limits.WORK_BATCH_MAX - 1) / Limits.WORK_BATCH_MAX;
        assertThat(requests).as("as few requests as the limits allow").hasSize(fewest);
    }
}
