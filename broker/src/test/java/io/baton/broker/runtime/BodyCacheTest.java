package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BodyCacheTest {
    private static byte[] body(int n, int len) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) n);
        return b;
    }

    @Test
    void recentBodiesAreFoundByOwnerAndAddressAndOnlyThere() {
        BodyCache cache = new BodyCache(4L << 20, 2);
        cache.put(1, 100, body(1, 300));
        cache.put(2, 100, body(2, 300));
        assertThat(cache.get(1, 100, 300)).isEqualTo(body(1, 300));
        assertThat(cache.get(2, 100, 300)).isEqualTo(body(2, 300));
        assertThat(cache.get(3, 100, 300)).isNull();
        assertThat(cache.get(1, 101, 300)).isNull();
        assertThat(cache.get(1, 100, 299)).as("a length that does not match is a miss").isNull();
    }

    @Test
    void theOldestBodiesGoOnceTheRingWrapsAndNothingStaleIsServed() {
        BodyCache cache = new BodyCache(2L << 20, 1); // two 1 MiB chunks
        for (int i = 0; i < 10_000; i++) {
            cache.put(1, i, body(i, 1000)); // 10 MB through a 2 MB ring
        }
        assertThat(cache.get(1, 9_999, 1000)).isEqualTo(body(9_999, 1000));
        assertThat(cache.get(1, 0, 1000)).isNull();
        int found = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] b = cache.get(1, i, 1000);
            if (b != null) {
                assertThat(b).isEqualTo(body(i, 1000));
                found++;
            }
        }
        assertThat(found).isBetween(1000, 2100);
    }

    @Test
    void aCacheOfNothingKeepsNothing() {
        BodyCache cache = new BodyCache(0, 4);
        cache.put(1, 1, body(1, 10));
        assertThat(cache.get(1, 1, 10)).isNull();
        assertThat(cache.capacityBytes()).isZero();
    }
}
