package io.baton.sdk.internal;

import io.baton.api.Limits;
import io.baton.api.v1.Ack;
import io.baton.api.v1.Acks;
import io.baton.api.v1.Release;
import io.baton.api.v1.Releases;
import io.baton.api.v1.Settle;
import io.baton.api.v1.WorkRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests that carry a worker's pending acks and releases, at most
 * {@link Limits#WORK_BATCH_MAX} of each per request: with {@code settle} (the broker accepts it),
 * acks and releases share {@code Settle} requests, one outcome each instead of two, and acks go in
 * a {@code Settle} even with no release to carry; otherwise, as every broker accepts, ack batches
 * and then release batches.
 *
 * <p>Why acks alone go in a {@code Settle} too: then the broker handles a worker's acks by one code
 * path whether or not a failed job rides along. Where failed jobs are rare, a second path that
 * only they take would run seldom, and cold: out of the caches, the branch predictors and the
 * JIT's profile of the usual one.
 */
public final class Settlements {
    private Settlements() {}

    public static List<WorkRequest> requests(List<Ack> acks, List<Release> releases, boolean settle) {
        List<WorkRequest> out = new ArrayList<>();
        int a = 0;
        int r = 0;
        while (a < acks.size() || r < releases.size()) {
            // Without settle, releases wait until every ack is out: one kind per request.
            List<Ack> someAcks = a < acks.size() && (settle || r == 0)
                    ? acks.subList(a, Math.min(acks.size(), a + Limits.WORK_BATCH_MAX)) : List.of();
            List<Release> someReleases = r < releases.size() && (settle || a == acks.size())
                    ? releases.subList(r, Math.min(releases.size(), r + Limits.WORK_BATCH_MAX)) : List.of();
            a += someAcks.size();
            r += someReleases.size();
            WorkRequest.Builder request = WorkRequest.newBuilder();
            if (settle && !someAcks.isEmpty()) {
                request.setSettle(Settle.newBuilder().addAllAcks(someAcks).addAllReleases(someReleases));
            } else if (!someAcks.isEmpty()) {
                request.setAcks(Acks.newBuilder().addAllAcks(someAcks));
            } else {
                request.setReleases(Releases.newBuilder().addAllReleases(someReleases));
            }
            out.add(request.build());
        }
        return out;
    }
}
