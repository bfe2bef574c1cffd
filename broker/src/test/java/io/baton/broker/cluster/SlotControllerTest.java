package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The controller's plan: balanced, sticky, and every move under a new epoch. */
class SlotControllerTest {

    private static Map<String, Integer> counts(SlotAssignment a) {
        Map<String, Integer> c = new HashMap<>();
        for (int s = 0; s < a.slotCount(); s++) {
            c.merge(a.owner(s), 1, Integer::sum);
        }
        return c;
    }

    @Test
    void aFreshClusterSpreadsSlotsEvenly() {
        SlotAssignment a = SlotController.plan(SlotAssignment.empty(8), Set.of("a", "b", "c"));
        assertThat(counts(a)).containsEntry("a", 3).containsEntry("b", 3).containsEntry("c", 2);
        for (int s = 0; s < 8; s++) {
            assertThat(a.epoch(s)).isEqualTo(1);
        }
    }

    @Test
    void aDeadBrokersSlotsMoveAndNothingElseDoes() {
        SlotAssignment before = SlotController.plan(SlotAssignment.empty(9), Set.of("a", "b", "c"));
        SlotAssignment after = SlotController.plan(before, Set.of("a", "c"));
        for (int s = 0; s < 9; s++) {
            if (!"b".equals(before.owner(s))) {
                assertThat(after.owner(s)).as("slot %d stays", s).isEqualTo(before.owner(s));
                assertThat(after.epoch(s)).isEqualTo(before.epoch(s));
            } else {
                assertThat(after.owner(s)).isIn("a", "c");
                assertThat(after.epoch(s)).isEqualTo(before.epoch(s) + 1);
            }
        }
        assertThat(counts(after)).containsOnlyKeys("a", "c");
    }

    @Test
    void nothingToChangeGivesTheSameAssignmentBack() {
        SlotAssignment a = SlotController.plan(SlotAssignment.empty(4), Set.of("a", "b"));
        assertThat(SlotController.plan(a, Set.of("a", "b"))).isSameAs(a);
    }

    @Property(tries = 200)
    void anyMembershipChangeEndsBalancedAndMovesOnlyWhatItMust(@ForAll @IntRange(min = 1, max = 64) int slots,
            @ForAll @IntRange(min = 1, max = 6) int before, @ForAll @IntRange(min = 1, max = 6) int after) {
        Set<String> was = brokers(before);
        Set<String> now = brokers(after);
        SlotAssignment a = SlotController.plan(SlotAssignment.empty(slots), was);
        SlotAssignment b = SlotController.plan(a, now);
        Map<String, Integer> c = counts(b);
        assertThat(c.keySet()).isSubsetOf(now);
        int min = slots / now.size();
        for (String broker : now) {
            assertThat(c.getOrDefault(broker, 0)).isBetween(min, min + 1);
        }
        int moved = 0;
        int mustMove = 0;
        for (int s = 0; s < slots; s++) {
            if (!b.owner(s).equals(a.owner(s))) {
                moved++;
                assertThat(b.epoch(s)).isGreaterThan(a.epoch(s));
            } else {
                assertThat(b.epoch(s)).isEqualTo(a.epoch(s));
            }
            if (!now.contains(a.owner(s))) {
                mustMove++;
            }
        }
        // Sticky: what departed brokers held, plus what newcomers must receive, and no more.
        int newcomersGet = 0;
        for (String broker : now) {
            if (!was.contains(broker)) {
                newcomersGet += c.getOrDefault(broker, 0);
            }
        }
        assertThat(moved).isLessThanOrEqualTo(Math.max(mustMove, newcomersGet) + now.size());
    }

    private static Set<String> brokers(int n) {
        java.util.TreeSet<String> s = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add("broker-" + i);
        }
        return s;
    }
}
