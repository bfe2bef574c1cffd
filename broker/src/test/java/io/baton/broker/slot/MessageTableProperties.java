package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * A queue's message table with its body arena: whatever the order of appends and deletions,
 * every live body reads back byte for byte as it was appended, and the arena holds at most about
 * twice the live bytes plus a few chunks (mostly-dead chunks are emptied, dead ones let go).
 */
class MessageTableProperties {

    /**
     * Append a body of {@code size} bytes; or (-1) delete the live message at {@code pick}; or (-2)
     * append a burst of 1,000 bodies of 256 bytes (chunks grow and fill); or (-3) delete all but
     * one in {@code pick % 50 + 2} live messages (survivors pin mostly-dead chunks).
     */
    record Op(int size, int pick) {}

    @Provide
    Arbitrary<Op> ops() {
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.integers().between(0, 600)),
                Tuple.of(3, Arbitraries.integers().between(600, 40_000)),
                Tuple.of(1, Arbitraries.integers().between(BodyArena.OWN_ARRAY - 10, BodyArena.OWN_ARRAY + 70_000)),
                Tuple.of(10, Arbitraries.just(-1)),
                Tuple.of(2, Arbitraries.just(-2)),
                Tuple.of(1, Arbitraries.just(-3)));
        return Combinators.combine(sizes, Arbitraries.integers().between(0, Integer.MAX_VALUE)).as(Op::new);
    }

    @Property(tries = 150)
    void liveBodiesReadBackExactlyAndTheArenaStaysNearTheLiveBytes(@ForAll @Size(min = 1, max = 300) List<@From("ops") Op> ops) {
        MessageTable table = new MessageTable();
        TreeMap<Long, byte[]> model = new TreeMap<>();
        long[] seq = {0};
        long[] largestChunk = {BodyArena.MIN_CHUNK};
        Runnable checkMemory = () -> assertThat(table.arena.retainedBytes())
                .isLessThanOrEqualTo(2 * table.liveBodyBytes() + 3 * largestChunk[0]);
        for (Op op : ops) {
            if (op.size() >= 0 || op.size() == -2 || model.isEmpty()) {
                int n = op.size() == -2 ? 1_000 : 1;
                for (int k = 0; k < n; k++) {
                    int size = op.size() == -2 ? 256 : Math.max(0, op.size());
                    byte[] body = body(++seq[0], size);
                    table.append(seq[0], 0, Long.MAX_VALUE, 60, 0, 0, body);
                    model.put(seq[0], body);
                    if (size < BodyArena.OWN_ARRAY) {
                        largestChunk[0] = Math.max(largestChunk[0], table.arena.storedChunk().capacity);
                    }
                    checkMemory.run();
                }
            } else {
                List<Long> victims = new ArrayList<>(model.keySet());
                if (op.size() == -1) {
                    victims = List.of(victims.get(op.pick() % victims.size()));
                } else {
                    int keepOneIn = op.pick() % 50 + 2;
                    List<Long> all = victims;
                    victims = new ArrayList<>();
                    for (int k = 0; k < all.size(); k++) {
                        if (k % keepOneIn != 0) {
                            victims.add(all.get(k));
                        }
                    }
                }
                for (long victim : victims) {
                    table.kill(table.indexOf(victim));
                    model.remove(victim);
                    checkMemory.run();
                }
            }
        }
        assertMatches(table, model);
    }

    @Test
    void survivorsOfAMostlyDeletedBacklogAreMovedOutOfTheirChunks() {
        MessageTable table = new MessageTable();
        TreeMap<Long, byte[]> model = new TreeMap<>();
        for (long s = 1; s <= 200_000; s++) {
            byte[] body = body(s, 256);
            table.append(s, 0, Long.MAX_VALUE, 60, 0, 0, body);
            model.put(s, body);
        }
        for (long s = 1; s <= 200_000; s++) {
            if (s % 100 != 0) {
                table.kill(table.indexOf(s));
                model.remove(s);
            }
        }
        // 51 MB were appended; 0.5 MB survive, spread over every chunk.
        assertThat(table.arena.retainedBytes()).isLessThan(2 * table.liveBodyBytes() + 3L * BodyArena.MAX_CHUNK);
        assertMatches(table, model);
    }

    @Test
    void aQueueDrainedAsFastAsItIsFilledLetsItsChunksGo() {
        MessageTable table = new MessageTable();
        TreeMap<Long, byte[]> model = new TreeMap<>();
        long seq = 0;
        // 200 MB through a backlog of about 1,000 messages of 200 bytes.
        for (int i = 0; i < 1_000_000; i++) {
            byte[] body = body(++seq, 200);
            table.append(seq, 0, Long.MAX_VALUE, 60, 0, 0, body);
            model.put(seq, body);
            if (model.size() > 1_000) {
                long oldest = model.firstKey();
                table.kill(table.indexOf(oldest));
                model.remove(oldest);
            }
            assertThat(table.arena.retainedBytes()).isLessThan(1 << 20);
        }
        assertMatches(table, model);
    }

    @Test
    void aSmallQueueHoldsKilobytesNotMegabytes() {
        MessageTable table = new MessageTable();
        for (int i = 1; i <= 10; i++) {
            table.append(i, 0, Long.MAX_VALUE, 60, 0, 0, body(i, 100));
        }
        assertThat(table.arena.retainedBytes()).isLessThanOrEqualTo(BodyArena.MIN_CHUNK);
    }

    @Test
    void aLargeBacklogLivesInChunksOfTheLargestSize() {
        MessageTable table = new MessageTable();
        for (int i = 1; i <= 100_000; i++) {
            table.append(i, 0, Long.MAX_VALUE, 60, 0, 0, body(i, 256));
        }
        assertThat(table.arena.storedChunk().capacity).isEqualTo(BodyArena.MAX_CHUNK);
        assertThat(table.arena.retainedBytes()).isLessThan(table.liveBodyBytes() + 2L * BodyArena.MAX_CHUNK);
    }

    /** Contents derived from the sequence, so a body read from the wrong place shows. */
    private static byte[] body(long seq, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seq * 31 + i);
        }
        return b;
    }

    private static void assertMatches(MessageTable table, TreeMap<Long, byte[]> model) {
        assertThat(table.live()).isEqualTo(model.size());
        long bytes = 0;
        for (var e : model.entrySet()) {
            int i = table.indexOf(e.getKey());
            assertThat(i).isNotNegative();
            byte[] stored = Arrays.copyOfRange(table.chunk[i].data, table.bodyOff[i], table.bodyOff[i] + table.bodyLen[i]);
            assertThat(Arrays.equals(stored, e.getValue())).as("body of %d", e.getKey()).isTrue();
            bytes += e.getValue().length;
        }
        assertThat(table.liveBodyBytes()).isEqualTo(bytes);
    }
}
