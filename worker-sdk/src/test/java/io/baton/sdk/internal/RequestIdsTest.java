package io.baton.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void idsDrawnOnManyThreadsNeverRepeatAndShareThisJvmsRandomPrefix() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                done.add(pool.submit(() -> {
                    for (int j = 0; j < 50_000; j++) {
                        assertThat(seen.add(RequestIds.next())).isTrue();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(seen).hasSize(200_000);
        assertThat(seen.stream().map(id -> UUID.fromString(id).getMostSignificantBits()).distinct()).hasSize(1);
    }
}
