package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The request-id window (a ring of primitive entries with an open-addressing index) answers
 * exactly as the plain model it replaced: a map in insertion order, where a repeated id moves to
 * the newest place, and the oldest entries leave once the window is over its size or its time.
 * Few distinct ids and a small window make repeats, evictions, growth and shrinking frequent.
 */
class RequestIdWindowProperties {
    private static final long WINDOW_MILLIS = 1_000;
    private static final int MAX_ENTRIES = 40;

    record Put(int id, int queue, int advanceMillis, int burst) {}

    @Provide
    Arbitrary<Put> puts() {
        return Combinators.combine(Arbitraries.integers().between(0, 120), Arbitraries.integers().between(0, 1),
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, Arbitraries.just(0)),
                        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 50)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(500, 2_000))),
                Arbitraries.integers().between(1, 60)).as(Put::new);
    }

    @Property(tries = 300)
    void answersAsAnInsertionOrderedMapWithSizeAndTimeLimits(@ForAll @Size(min = 1, max = 80) List<@net.jqwik.api.From("puts") Put> puts) {
        RequestIdWindow window = new RequestIdWindow(WINDOW_MILLIS, MAX_ENTRIES);
        LinkedHashMap<String, RequestIdWindow.Entry> model = new LinkedHashMap<>();
        long now = 1_000_000;
        long seq = 0;
        for (Put put : puts) {
            now += put.advanceMillis();
            // A burst of distinct ids as well, so the ring grows past its first size and shrinks back.
            for (int b = 0; b < (put.id() % 7 == 0 ? put.burst() : 1); b++) {
                String queue = "q" + put.queue();
                String id = b == 0 ? "r" + put.id() : "burst-" + now + "-" + b;
                RequestIdWindow.Entry expected = live(model, queue, id, now);
                assertThat(window.get("p", queue, id, now)).isEqualTo(expected);
                if (expected == null) {
                    RequestIdWindow.Entry e = new RequestIdWindow.Entry(now, seq, 1 + put.id() % 3);
                    seq += e.count();
                    window.put("p", queue, id, e);
                    putInModel(model, queue + "/" + id, e);
                }
                assertThat(window.size()).isEqualTo(model.size());
            }
        }
        List<long[]> visited = new ArrayList<>();
        try {
            window.forEach((hi, lo, time, firstSeq, count) -> visited.add(new long[] {time, firstSeq, count}));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(visited).extracting(v -> v[1]).containsExactlyElementsOf(model.values().stream().map(RequestIdWindow.Entry::firstSeq).toList());
        assertThat(window.snapshotBytes()).isEqualTo((long) model.size() * RequestIdWindow.ENTRY_BYTES);
    }

    @Property(tries = 50)
    void aWindowRebuiltFromItsEntriesAnswersTheSame(@ForAll @Size(min = 1, max = 80) List<@net.jqwik.api.From("puts") Put> puts) throws Exception {
        RequestIdWindow window = new RequestIdWindow(WINDOW_MILLIS, MAX_ENTRIES);
        long now = 1_000_000;
        for (Put put : puts) {
            now += put.advanceMillis();
            if (window.get("p", "q", "r" + put.id(), now) == null) {
                window.put("p", "q", "r" + put.id(), new RequestIdWindow.Entry(now, put.id(), 1));
            }
        }
        RequestIdWindow rebuilt = new RequestIdWindow(WINDOW_MILLIS, MAX_ENTRIES);
        window.forEach(rebuilt::put);
        for (int id = 0; id <= 120; id++) {
            assertThat(rebuilt.get("p", "q", "r" + id, now)).isEqualTo(window.get("p", "q", "r" + id, now));
        }
        assertThat(rebuilt.size()).isEqualTo(window.size());
    }

    private static RequestIdWindow.Entry live(Map<String, RequestIdWindow.Entry> model, String queue, String id, long now) {
        RequestIdWindow.Entry e = model.get(queue + "/" + id);
        return e != null && e.time() > now - WINDOW_MILLIS ? e : null;
    }

    private static void putInModel(LinkedHashMap<String, RequestIdWindow.Entry> model, String key, RequestIdWindow.Entry e) {
        model.remove(key); // a repeated id takes the newest place
        model.put(key, e);
        Iterator<Map.Entry<String, RequestIdWindow.Entry>> it = model.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, RequestIdWindow.Entry> oldest = it.next();
            if (model.size() > MAX_ENTRIES || oldest.getValue().time() <= e.time() - WINDOW_MILLIS) {
                it.remove();
            } else {
                break;
            }
        }
    }
}
