package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * {@link ClaimTimers} orders the claims it holds as a sorted set by (expiry, sequence) does,
 * through adds, renewals (earlier and later), removals from anywhere and takes of the first, and
 * every claim knows its own place. Few distinct expiries make ties, which the sequence breaks.
 */
class ClaimTimersProperties {
    private static final Comparator<Claim> ORDER = Comparator.<Claim>comparingLong(c -> c.expiresAt).thenComparingLong(c -> c.seq);

    /** kind 0: add a new claim, 1: renew one, 2: remove one, 3: take the first. */
    record Step(int kind, int pick, int ttlSeconds) {}

    @Provide
    Arbitrary<Step> steps() {
        return Combinators.combine(Arbitraries.frequency(net.jqwik.api.Tuple.of(5, 0), net.jqwik.api.Tuple.of(2, 1),
                        net.jqwik.api.Tuple.of(3, 2), net.jqwik.api.Tuple.of(2, 3)),
                Arbitraries.integers().between(0, 1_000), Arbitraries.integers().between(0, 5)).as(Step::new);
    }

    @Property(tries = 300)
    void ordersAsASortedSetAfterEveryStep(@ForAll @Size(min = 1, max = 150) List<@From("steps") Step> steps) {
        ClaimTimers timers = new ClaimTimers();
        TreeSet<Claim> model = new TreeSet<>(ORDER);
        List<Claim> held = new ArrayList<>();
        long seq = 1;
        long time = 1_000;
        for (Step step : steps) {
            time += step.pick() % 3;
            switch (step.kind()) {
                case 0 -> {
                    Claim c = new Claim(seq++, new long[] {seq}, time, step.ttlSeconds());
                    timers.add(c);
                    model.add(c);
                    held.add(c);
                }
                case 1 -> {
                    if (!held.isEmpty()) {
                        Claim c = held.get(step.pick() % held.size());
                        model.remove(c);
                        c.renew(time - step.pick() % 4, step.ttlSeconds()); // sooner or later than before
                        timers.moved(c);
                        model.add(c);
                    }
                }
                case 2 -> {
                    if (!held.isEmpty()) {
                        Claim c = held.remove(step.pick() % held.size());
                        timers.remove(c);
                        timers.remove(c); // a second removal changes nothing
                        model.remove(c);
                        assertThat(c.timerSlot).isEqualTo(-1);
                    }
                }
                default -> {
                    Claim first = timers.first();
                    assertThat(first).isSameAs(model.isEmpty() ? null : model.first());
                    if (first != null) {
                        timers.remove(first);
                        model.remove(first);
                        held.remove(first);
                    }
                }
            }
            assertThat(timers.size()).isEqualTo(model.size());
            assertThat(timers.first()).isSameAs(model.isEmpty() ? null : model.first());
            for (Claim c : held) {
                assertThat(c.timerSlot).isBetween(0, timers.size() - 1);
            }
        }
        List<Claim> drained = new ArrayList<>();
        for (Claim c; (c = timers.first()) != null; ) {
            timers.remove(c);
            drained.add(c);
        }
        assertThat(drained).containsExactlyElementsOf(model);
    }
}
