package io.baton.broker.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The cache answers exactly what the codec would, whatever collides, on any number of threads. */
class AttemptClaimIdsTest {
    private static final IdCodec IDS = new IdCodec(key());

    private static byte[] key() {
        byte[] k = new byte[48];
        new SecureRandom().nextBytes(k);
        return k;
    }

    @Test
    void answersTheCodecsIdsWhenEntriesCollideAndAreReplaced() {
        AttemptClaimIds cache = new AttemptClaimIds(IDS);
        // Four times as many claims as entries: most of them evict one another.
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < AttemptClaimIds.SIZE * 4 * 3; i++) {
            int slot = random.nextInt(4);
            long seq = 1 + random.nextInt(AttemptClaimIds.SIZE * 4);
            assertThat(cache.claimId(slot, seq)).isEqualTo(IDS.claimId(slot, seq));
        }
        // The same sequence in two slots is two claims.
        assertThat(cache.claimId(1, 42)).isEqualTo(IDS.claimId(1, 42)).isNotEqualTo(cache.claimId(2, 42));
    }

    @Test
    void anIdRememberedFromAPushIsTheOneAnsweredLater() {
        AttemptClaimIds cache = new AttemptClaimIds(IDS);
        String id = IDS.claimId(3, 1_000_000_007L);
        cache.remember(3, 1_000_000_007L, id);
        assertThat(cache.claimId(3, 1_000_000_007L)).isSameAs(id);
    }

    @Test
    void threadsSharingTheCacheAlwaysGetTheCodecsIds() throws Exception {
        AttemptClaimIds cache = new AttemptClaimIds(IDS);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    int wrong = 0;
                    for (int i = 0; i < 50_000; i++) {
                        int slot = random.nextInt(2);
                        long seq = 1 + random.nextInt(10_000); // overlapping keys, shared entries
                        if (!cache.claimId(slot, seq).equals(IDS.claimId(slot, seq))) {
                            wrong++;
                        }
                    }
                    return wrong;
                }));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
