package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
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
 * A queue's message table against a plain sorted map, checked after every step: whatever the order
 * of appends (from up to 300 producers, with time, sequence and address jumps that no 32-bit
 * difference covers), deletions, body moves, claims, lifetime extensions, expiry and snapshots,
 * every live message is found by its sequence with exactly the values it was last given, dead ones
 * never are, iteration yields the live messages in order, expiry finds exactly the messages due, a
 * frozen snapshot never changes afterwards, and blocks stay dense enough that memory follows the
 * live messages.
 */
class MessageTableProperties {
    /** kind: 0 append a burst, 1 kill, 2 move a body, 3 claim, 4 extend, 5 expire, 6 freeze. */
    record Op(int kind, int a, int b) {}

    @Provide
    Arbitrary<Op> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 6), Arbitraries.integers().between(0, 10_000),
                Arbitraries.integers().between(0, 99)).as(Op::new);
    }

    private record Entry(long posted, long expires, int ttl, long hi, long lo, long claim, long address, int length,
                         boolean checked) {
        Entry with(long newClaim) {
            return new Entry(posted, expires, ttl, hi, lo, newClaim, address, length, checked);
        }
    }

    private static final long DAY = 86_400_000L;

    @Property(tries = 300)
    void theTableAnswersAsASortedMap(@ForAll @Size(min = 1, max = 200) List<@From("ops") Op> ops) {
        MessageTable table = new MessageTable();
        TreeMap<Long, Entry> model = new TreeMap<>();
        List<MessageBlock[]> images = new ArrayList<>();
        List<TreeMap<Long, Entry>> imageModels = new ArrayList<>();
        long nextSeq = 1;
        long nextAddress = 1000;
        long now = 1_700_000_000_000L;
        for (Op op : ops) {
            switch (op.kind()) {
                case 0 -> {
                    // Jumps past what a 32-bit difference from a block's base can hold, now and then.
                    if (op.b() == 0) {
                        nextSeq += 5_000_000_000L;
                    } else if (op.b() == 1) {
                        now += 30 * DAY;
                    } else if (op.b() == 2) {
                        nextAddress += 1L << 33;
                    }
                    long client = op.b() < 50 ? 0 : op.a() % 300;
                    for (int i = 0; i <= op.a() % 300; i++) {
                        int len = 1 + (int) ((nextSeq * 31) % 500);
                        boolean checked = nextSeq % 7 != 0;
                        int ttl = 60 + (int) (nextSeq % 5) * 3600;
                        long hi = client * 7 + 1;
                        long lo = client;
                        table.append(nextSeq, now, now + ttl * 1000L, ttl, hi, lo, nextAddress, len, checked);
                        model.put(nextSeq, new Entry(now, now + ttl * 1000L, ttl, hi, lo, 0, nextAddress, len, checked));
                        nextAddress += len + 16;
                        nextSeq += 1 + nextSeq % 3; // sequences grow, with gaps (claims take some)
                        if (op.b() > 90) {
                            client = (client + 1) % 300;
                        }
                    }
                    now += op.b() * 1000L;
                }
                case 1 -> {
                    for (int k = 0; k <= op.b() % 20 && !model.isEmpty(); k++) {
                        long seq = nth(model, op.a() + k * 13);
                        table.kill(table.indexOf(seq));
                        model.remove(seq);
                    }
                }
                case 2 -> {
                    if (!model.isEmpty()) {
                        long seq = nth(model, op.a());
                        Entry e = model.get(seq);
                        long to = op.b() == 0 ? nextAddress + (1L << 34) : nextAddress;
                        table.moveBody(table.indexOf(seq), to, true);
                        model.put(seq, new Entry(e.posted(), e.expires(), e.ttl(), e.hi(), e.lo(), e.claim(), to,
                                e.length(), true));
                        nextAddress += e.length() + 16;
                    }
                }
                case 3 -> {
                    if (!model.isEmpty()) {
                        long seq = nth(model, op.a());
                        long claim = op.b() < 20 ? 0 : nextSeq++;
                        table.setClaim(table.indexOf(seq), claim);
                        model.put(seq, model.get(seq).with(claim));
                    }
                }
                case 4 -> {
                    if (!model.isEmpty()) {
                        long seq = nth(model, op.a());
                        Entry e = model.get(seq);
                        long to = e.expires() + (op.b() < 10 ? 40 * DAY : op.b() * 1000L);
                        int ttl = op.b() + 60;
                        table.extend(table.indexOf(seq), to, ttl);
                        model.put(seq, new Entry(e.posted(), to, ttl, e.hi(), e.lo(), e.claim(), e.address(), e.length(),
                                e.checked()));
                    }
                }
                case 5 -> {
                    now += (long) op.b() * op.a() * 50;
                    long at = now;
                    long[] due = table.expiredBy(at);
                    long[] expected = model.entrySet().stream().filter(e -> e.getValue().expires() <= at)
                            .mapToLong(Map.Entry::getKey).toArray();
                    long[] sorted = due.clone();
                    Arrays.sort(sorted);
                    assertThat(sorted).as("expired by %d", at).containsExactly(expected);
                    for (long s : due) {
                        table.kill(table.indexOf(s));
                        model.remove(s);
                    }
                }
                default -> {
                    images.add(table.freeze());
                    imageModels.add(new TreeMap<>(model));
                }
            }
            check(table, model, nextSeq, op);
            for (int k = Math.max(0, images.size() - 3); k < images.size(); k++) {
                assertThat(contents(images.get(k))).as("a frozen snapshot stays as it was").isEqualTo(imageModels.get(k));
            }
        }
    }

    private static long nth(TreeMap<Long, Entry> model, int n) {
        return new ArrayList<>(model.keySet()).get(n % model.size());
    }

    private static TreeMap<Long, Entry> contents(MessageBlock[] blocks) {
        TreeMap<Long, Entry> out = new TreeMap<>();
        for (MessageBlock b : blocks) {
            for (int i = b.start; i < b.size; i++) {
                if (b.isLive(i)) {
                    out.put(b.seq(i), new Entry(b.postedAt(i), b.expiresAt(i), b.ttl(i), b.clientHi(i), b.clientLo(i),
                            b.claim(i), b.bodyAddr(i), b.length(i), b.checked(i)));
                }
            }
        }
        return out;
    }

    private static void check(MessageTable table, TreeMap<Long, Entry> model, long nextSeq, Op op) {
        assertThat(table.live()).isEqualTo(model.size());
        long bytes = 0;
        for (Map.Entry<Long, Entry> e : model.entrySet()) {
            long i = table.indexOf(e.getKey());
            assertThat(i).as("live message %d found after %s", e.getKey(), op).isGreaterThanOrEqualTo(0);
            Entry x = e.getValue();
            assertThat(new Entry(table.postedAt(i), table.expiresAt(i), table.ttl(i), x.hi(), x.lo(), table.claim(i),
                    table.bodyAddr(i), table.length(i), table.checked(i))).isEqualTo(x);
            assertThat(table.sameClient(i, x.hi(), x.lo())).isTrue();
            bytes += x.length();
        }
        assertThat(table.liveBodyBytes()).isEqualTo(bytes);
        List<Long> walked = new ArrayList<>();
        for (long p = table.first(); p != table.end(); p = table.next(p)) {
            if (table.isLive(p)) {
                walked.add(table.seq(p));
            }
        }
        assertThat(walked).isEqualTo(new ArrayList<>(model.keySet()));
        if (!model.isEmpty()) {
            assertThat(table.seq(table.oldest())).isEqualTo(model.firstKey());
            assertThat(table.seq(table.newest())).isEqualTo(model.lastKey());
            long probe = nth(model, op.a() * 7 + 3) - 1 + op.b() % 3;
            Long after = model.higherKey(probe);
            long p = table.firstAfter(probe);
            while (p != table.end() && !table.isLive(p)) {
                p = table.next(p);
            }
            assertThat(p == table.end() ? null : table.seq(p)).isEqualTo(after);
        } else {
            assertThat(table.oldest()).isEqualTo(MessageTable.NONE);
        }
        for (long s = 1; s < Math.min(nextSeq, 1500); s++) {
            if (!model.containsKey(s)) {
                assertThat(table.indexOf(s)).as("dead or never posted %d", s).isEqualTo(MessageTable.NONE);
            }
        }
        // Density: no empty block, and every block but the last at least half live unless tiny.
        for (int b = 0; b < table.blockCount(); b++) {
            MessageBlock k = table.blockAt(b);
            assertThat(k.live).isPositive();
            assertThat(k.capacity()).isLessThanOrEqualTo(MessageBlock.MAX);
            if (b < table.blockCount() - 1 && k.size >= 16) {
                assertThat(k.live).as("block %d of %d", b, table.blockCount()).isGreaterThanOrEqualTo(k.size / 2);
            }
        }
    }

    @Test
    void aBlockRewrittenWithoutItsEarliestMessagesStillExpiresTheRest() {
        // A full last block, mostly dead, is rewritten with its live messages: its expiry bound
        // rises past the one the expiry heap holds for it, which must not be its last entry.
        MessageTable table = new MessageTable();
        long t = 1_000_000;
        for (long s = 1; s <= 6; s++) {
            table.append(s, t, t + 60_000, 60, 1, 1, s * 100, 10, true);
        }
        table.extend(table.indexOf(1), t + 120_000, 60); // a claim's grace
        assertThat(table.expiredBy(t + 60_000)).containsExactly(2, 3, 4, 5, 6);
        for (long s = 2; s <= 6; s++) {
            table.kill(table.indexOf(s));
        }
        table.extend(table.indexOf(1), t + 180_000, 120); // claimed again: the block's bound stays at +120 s
        for (long s = 7; s <= 9; s++) {
            table.append(s, t + 60_000, t + 121_000, 61, 1, 1, s * 100, 10, true);
        }
        assertThat(table.expiredBy(t + 120_000)).isEmpty();
        assertThat(table.expiredBy(t + 121_000)).containsExactly(7, 8, 9);
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
        assertThat(table.blockCount()).isZero();
        assertThat(table.liveBodyBytes()).isZero();
        assertThat(table.heapBytes()).isLessThan(4096);
    }

    @Test
    void aQueueWhoseWorkersKeepUpHoldsOneSmallBlock() {
        MessageTable table = new MessageTable();
        for (long s = 1; s <= 100_000; s++) {
            table.append(s, s, s + 60_000, 60, 1, 2, s * 100, 64, true);
            if (s > 5) {
                table.kill(table.indexOf(s - 5));
            }
        }
        assertThat(table.live()).isEqualTo(5);
        assertThat(table.blockCount()).isEqualTo(1);
        assertThat(table.blockAt(0).capacity()).isLessThanOrEqualTo(16);
    }

    @Test
    void aBacklogCostsAbout25BytesAMessage() {
        MessageTable table = new MessageTable();
        int n = 1_000_000;
        for (long s = 1; s <= n; s++) {
            table.append(s, 1_700_000_000_000L + s / 100, 1_700_000_000_000L + s / 100 + 3_600_000, 3600, 1, 2, s * 300, 256, true);
        }
        assertThat(table.heapBytes() / (double) n).isLessThan(27);
    }
}
