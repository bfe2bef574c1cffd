package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link LongMap} answers as a {@code HashMap<Long, V>} after every step. Keys come from a small
 * range (collisions and long probe runs, removals in the middle of runs, which shift entries back)
 * and in bursts (growth past several sizes, then shrinking as they are removed).
 */
class LongMapProperties {
    /** kind 0: put, 1: remove, 2: a burst of puts of fresh keys, 3: remove every key of the burst range. */
    record Step(int kind, long key, int burst) {}

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(Arbitraries.frequency(net.jqwik.api.Tuple.of(6, 0), net.jqwik.api.Tuple.of(5, 1),
                        net.jqwik.api.Tuple.of(1, 2), net.jqwik.api.Tuple.of(1, 3)),
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(1, 64)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(Long.MIN_VALUE, Long.MAX_VALUE).filter(k -> k != 0))),
                Arbitraries.integers().between(1, 300)).as(Step::new);
    }

    @Property(tries = 300)
    void answersAsAHashMapAfterEveryStep(@ForAll @Size(min = 1, max = 120) List<@From("steps") Step> steps) {
        LongMap<String> map = new LongMap<>();
        Map<Long, String> model = new HashMap<>();
        int n = 0;
        for (Step step : steps) {
            String value = "v" + n++;
            switch (step.kind()) {
                case 0 -> assertThat(map.put(step.key(), value)).isEqualTo(model.put(step.key(), value));
                case 1 -> assertThat(map.remove(step.key())).isEqualTo(model.remove(step.key()));
                case 2 -> {
                    for (long k = 1_000; k < 1_000 + step.burst(); k++) {
                        assertThat(map.put(k * 7, value)).isEqualTo(model.put(k * 7, value));
                    }
                }
                default -> {
                    for (long k = 1_000; k < 1_300; k++) {
                        assertThat(map.remove(k * 7)).isEqualTo(model.remove(k * 7));
                    }
                }
            }
            assertThat(map.size()).isEqualTo(model.size());
            assertThat(map.get(step.key())).isEqualTo(model.get(step.key()));
            for (Map.Entry<Long, String> e : model.entrySet()) {
                assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
            }
            assertThat(map.values()).containsExactlyInAnyOrderElementsOf(model.values());
            assertThat(map.sortedKeys()).containsExactly(model.keySet().stream().sorted().mapToLong(Long::longValue).toArray());
        }
        assertThat(map.get(0)).isNull();
        assertThat(map.remove(0)).isNull();
    }

    @Test
    void aRemovalKeepsReachableTheKeysWhoseRunWrappedPastTheArraysEnd() {
        // Three keys at home in the last slot of the first size (16): they sit in slots 15, 0 and 1.
        long[] keys = java.util.stream.LongStream.iterate(1, k -> k + 1).filter(k -> LongMap.slotOf(k, 15) == 15).limit(3).toArray();
        for (int removed = 0; removed < 3; removed++) {
            LongMap<String> map = new LongMap<>();
            for (long k : keys) {
                map.put(k, "v" + k);
            }
            map.remove(keys[removed]);
            for (long k : keys) {
                assertThat(map.get(k)).isEqualTo(k == keys[removed] ? null : "v" + k);
            }
        }
    }

    @Test
    void refusesTheKeyZeroAndNullValues() {
        LongMap<String> map = new LongMap<>();
        assertThatThrownBy(() -> map.put(0, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> map.put(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(map.size()).isZero();
    }

    @Test
    void itsArraysFollowWhatItHolds() {
        LongMap<String> map = new LongMap<>();
        long empty = map.heapBytes();
        for (long k = 1; k <= 100_000; k++) {
            map.put(k, "x");
        }
        assertThat(map.heapBytes()).isGreaterThan(100_000L * 12);
        for (long k = 1; k <= 100_000; k++) {
            map.remove(k);
        }
        assertThat(map.heapBytes()).isEqualTo(empty);
    }
}
