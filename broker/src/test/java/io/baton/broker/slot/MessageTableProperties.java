package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * A queue's message table: whatever the order of appends, deletions and body moves, every live
 * message is found by its sequence with the address and length it was last given, dead ones are
 * never found, the live byte count is exact, and the columns stay within a small multiple of the
 * live messages.
 */
class MessageTableProperties {
    /** (kind, a): append a burst of {@code a % 200 + 1}; kill the {@code a}-th live; move the {@code a}-th live's body. */
    record Op(int kind, int a) {}

    @Provide
    Arbitrary<Op> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 10_000)).as(Op::new);
    }

    private record Placed(long address, int length, boolean checked) {}

    @Property(tries = 200)
    void liveMessagesAreFoundAsLastPlacedAndMemoryFollowsThem(@ForAll @Size(min = 1, max = 300) List<@From("ops") Op> ops) {
        MessageTable table = new MessageTable();
        TreeMap<Long, Placed> model = new TreeMap<>();
        long nextSeq = 1;
        long nextAddress = 1000;
        for (Op op : ops) {
            switch (op.kind()) {
                case 0 -> {
                    for (int i = 0; i <= op.a() % 200; i++) {
                        int len = 1 + (int) ((nextSeq * 31) % 500);
                        boolean checked = nextSeq % 7 != 0;
                        table.append(nextSeq, 0, 0, 60, 0, 0, nextAddress, len, checked);
                        model.put(nextSeq, new Placed(nextAddress, len, checked));
                        nextAddress += len + 16;
                        nextSeq += 1 + nextSeq % 3; // sequences grow, with gaps (claims take some)
                    }
                }
                case 1 -> {
                    if (!model.isEmpty()) {
                        long seq = new ArrayList<>(model.keySet()).get(op.a() % model.size());
                        table.kill(table.indexOf(seq));
                        model.remove(seq);
                    }
                }
                default -> {
                    if (!model.isEmpty()) {
                        long seq = new ArrayList<>(model.keySet()).get(op.a() % model.size());
                        Placed old = model.get(seq);
                        table.moveBody(table.indexOf(seq), nextAddress, true);
                        model.put(seq, new Placed(nextAddress, old.length(), true));
                        nextAddress += old.length() + 16;
                    }
                }
            }
            check(table, model, nextSeq);
        }
    }

    private static void check(MessageTable table, TreeMap<Long, Placed> model, long nextSeq) {
        assertThat(table.live()).isEqualTo(model.size());
        long bytes = 0;
        for (Map.Entry<Long, Placed> e : model.entrySet()) {
            int i = table.indexOf(e.getKey());
            assertThat(i).as("live message %d found", e.getKey()).isGreaterThanOrEqualTo(0);
            assertThat(table.bodyAddr[i]).isEqualTo(e.getValue().address());
            assertThat(table.length(i)).isEqualTo(e.getValue().length());
            assertThat(table.checked(i)).isEqualTo(e.getValue().checked());
            bytes += e.getValue().length();
        }
        assertThat(table.liveBodyBytes()).isEqualTo(bytes);
        for (long s = 1; s < Math.min(nextSeq, 2000); s++) {
            if (!model.containsKey(s)) {
                assertThat(table.indexOf(s)).as("dead or never posted %d", s).isEqualTo(-1);
            }
        }
        assertThat(table.capacity()).isLessThanOrEqualTo(Math.max(64, 16 * model.size()));
    }

    @Test
    void aDrainedTableGivesItsMemoryBack() {
        MessageTable table = new MessageTable();
        for (long s = 1; s <= 100_000; s++) {
            table.append(s, 0, 0, 60, 0, 0, s * 100, 64, true);
        }
        for (long s = 1; s <= 100_000; s++) {
            table.kill(table.indexOf(s));
        }
        assertThat(table.live()).isZero();
        assertThat(table.capacity()).isLessThanOrEqualTo(64);
        assertThat(table.liveBodyBytes()).isZero();
    }
}
