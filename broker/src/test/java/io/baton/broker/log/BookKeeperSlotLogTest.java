package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.testing.LocalBookKeeper;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The slot log contract on real BookKeeper (ZooKeeper and three bookies in this JVM), plus what
 * the replicated log adds: a new owner fences the old one, keeps every acknowledged record, and
 * an older epoch can no longer take the log back.
 */
class BookKeeperSlotLogTest extends SlotLogContract {
    private static LocalBookKeeper cluster;
    private static BookKeeper bk;
    private static CuratorFramework zk;
    private String path;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalBookKeeper.start("baton-bk");
        bk = cluster.bk();
        zk = cluster.zk();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void freshSlot() {
        path = "/baton/test/slots/" + UUID.randomUUID() + "/log";
    }

    /** How the logs this class opens write entries; a subclass runs everything one record per entry. */
    protected BookKeeperSlotLog.Batching batching() {
        return BookKeeperSlotLog.Batching.DEFAULT;
    }

    @Override
    protected SlotLog open() throws Exception {
        return open(1, batching());
    }

    private BookKeeperSlotLog open(long epoch, BookKeeperSlotLog.Batching batching) throws Exception {
        return BookKeeperSlotLog.open(bk, zk, path, epoch, BookKeeperSlotLog.Replication.DEFAULT, batching, LedgerEvents.NONE,
                LedgerPasswords.DEFAULT);
    }

    /** The entries of every ledger the slot's metadata names, in order. */
    private List<byte[]> entries() throws Exception {
        io.baton.api.v1.SlotLogMetadata md = io.baton.api.v1.SlotLogMetadata.parseFrom(zk.getData().forPath(path));
        List<byte[]> all = new ArrayList<>();
        for (io.baton.api.v1.LedgerRange r : md.getLedgersList()) {
            try (org.apache.bookkeeper.client.api.ReadHandle rh = bk.newOpenLedgerOp().withLedgerId(r.getLedgerId())
                    .withRecovery(false).withDigestType(org.apache.bookkeeper.client.api.DigestType.CRC32C)
                    .withPassword(LedgerPasswords.DEFAULT.current()).execute().get(30, TimeUnit.SECONDS)) {
                long lac = rh.readLastAddConfirmed();
                if (lac >= 0) {
                    try (var read = rh.read(0, lac)) {
                        read.forEach(e -> all.add(e.getEntryBytes()));
                    }
                }
            }
        }
        return all;
    }

    @Test
    void aNewOwnerFencesTheOldOneAndKeepsEveryAcknowledgedRecord() throws Exception {
        CountingEvents oldEvents = new CountingEvents();
        CountingEvents nextEvents = new CountingEvents();
        SlotLog old = BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT, oldEvents);
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            acks.add(old.append(bytes("r" + i)));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(oldEvents.records.get()).isEqualTo(200);
        try (SlotLog next = BookKeeperSlotLog.open(bk, zk, path, 2, BookKeeperSlotLog.Replication.DEFAULT, nextEvents)) {
            assertThat(nextEvents.fencedPrevious.get()).as("the old owner's open ledger was fenced").isEqualTo(1);
            assertThatThrownBy(() -> old.append(bytes("too late")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            assertThat(oldEvents.fencedHere.get()).as("the old owner learnt it was fenced").isEqualTo(1);
            assertThatThrownBy(() -> old.checkpoint(199, state("stale"))).isInstanceOf(Exception.class);
            Replayed r = replay(next);
            assertThat(r.records()).hasSize(200).first().isEqualTo("r0");
            assertThat(next.append(bytes("r200")).get(30, TimeUnit.SECONDS)).isEqualTo(200L);
        }
        old.close();
    }

    @Test
    void takingOverACleanlyClosedLogFencesNobody() throws Exception {
        BookKeeperSlotLog first = BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT);
        first.append(bytes("r0")).get(30, TimeUnit.SECONDS);
        first.close();
        CountingEvents events = new CountingEvents();
        BookKeeperSlotLog.open(bk, zk, path, 2, BookKeeperSlotLog.Replication.DEFAULT, events).close();
        assertThat(events.fencedPrevious.get()).isZero();
    }

    /** Counts ledger events. */
    private static final class CountingEvents implements LedgerEvents {
        final java.util.concurrent.atomic.AtomicInteger records = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger fencedPrevious = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger fencedHere = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void added(long nanos, int entryRecords) {
            records.addAndGet(entryRecords);
        }

        @Override
        public void fencedPreviousOwner() {
            fencedPrevious.incrementAndGet();
        }

        @Override
        public void fencedHere() {
            fencedHere.incrementAndGet();
        }
    }

    @Test
    void anOlderEpochCannotTakeTheLogBack() throws Exception {
        BookKeeperSlotLog.open(bk, zk, path, 5, BookKeeperSlotLog.Replication.DEFAULT).close();
        assertThatThrownBy(() -> BookKeeperSlotLog.open(bk, zk, path, 4, BookKeeperSlotLog.Replication.DEFAULT))
                .isInstanceOf(SlotLogException.class).hasMessageContaining("epoch 5");
    }

    @Test
    void aBrokerWithoutTheLedgerPasswordCannotTakeTheLogOverAndARotationKeepsTheOldOneReadable() throws Exception {
        LedgerPasswords first = new LedgerPasswords(List.of("first-password-0123456789".getBytes()));
        LedgerPasswords other = new LedgerPasswords(List.of("other-password-0123456789".getBytes()));
        BookKeeperSlotLog writer = BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT, LedgerEvents.NONE, first);
        writer.append(bytes("r0")).get(30, TimeUnit.SECONDS);
        // Left open, as by a crashed broker: a take-over must fence it, which the password guards.
        assertThatThrownBy(() -> BookKeeperSlotLog.open(bk, zk, path, 2, BookKeeperSlotLog.Replication.DEFAULT, LedgerEvents.NONE, other))
                .hasMessageContaining("password");
        assertThat(writer.append(bytes("r1")).get(30, TimeUnit.SECONDS)).as("the writer was not fenced").isEqualTo(1L);
        // The rotation: the new password first, the old one still accepted.
        LedgerPasswords rotated = new LedgerPasswords(List.of(other.current(), first.current()));
        try (BookKeeperSlotLog next = BookKeeperSlotLog.open(bk, zk, path, 3, BookKeeperSlotLog.Replication.DEFAULT, LedgerEvents.NONE,
                rotated)) {
            assertThat(replay(next).records()).containsExactly("r0", "r1");
            next.append(bytes("r2")).get(30, TimeUnit.SECONDS);
        }
        writer.close();
    }

    @Test
    void recordsThatWaitTogetherGoOutAsOneEntryNoLargerThanTheLimit() throws Exception {
        BookKeeperSlotLog.Batching small = new BookKeeperSlotLog.Batching(2_000, 1);
        List<SlotLog.Appended> appended = new ArrayList<>();
        try (SlotLog log = open(1, small)) {
            for (int i = 0; i < 300; i++) {
                appended.add(log.appendLocated(bytes(String.format("record-%03d-", i) + "x".repeat(i % 7 == 0 ? 5_000 : 90))));
            }
            for (int i = 0; i < appended.size(); i++) {
                assertThat(appended.get(i).durable().get(30, TimeUnit.SECONDS)).isEqualTo(i);
            }
            assertThat(read(log, appended.get(123).address(), 10)).isEqualTo("record-123");
        }
        List<byte[]> entries = entries();
        assertThat(entries.size()).as("entries for 300 records").isLessThan(300).isGreaterThan(2);
        for (byte[] e : entries) {
            EntryBatch.Header h = EntryBatch.header(e, "entry");
            assertThat(e.length <= 2_000 || h.count() == 1).as("an entry over the limit holds one record").isTrue();
        }
        try (SlotLog log = open(2, small)) {
            Replayed r = replay(log);
            assertThat(r.positions()).hasSize(300);
            for (int i = 0; i < 300; i++) {
                assertThat(r.records().get(i)).startsWith(String.format("record-%03d-", i));
                assertThat(r.addresses().get(i)).isEqualTo(appended.get(i).address());
            }
            assertThat(read(log, appended.get(299).address(), 10)).isEqualTo("record-299");
            assertThat(log.append(bytes("next")).get(30, TimeUnit.SECONDS)).isEqualTo(300L);
        }
    }

    @Test
    void ledgersOfOneRecordPerEntryAndOfBatchesFollowEachOtherInOneLog() throws Exception {
        // A rolling upgrade: an owner writing one record per entry, then one that batches, then back.
        long[] addresses = new long[3];
        try (SlotLog log = open(1, BookKeeperSlotLog.Batching.SINGLE)) {
            addresses[0] = log.appendLocated(bytes("single-0")).address();
            log.append(bytes("single-1")).get(30, TimeUnit.SECONDS);
        }
        try (SlotLog log = open(2, BookKeeperSlotLog.Batching.DEFAULT)) {
            assertThat(replay(log).records()).containsExactly("single-0", "single-1");
            addresses[1] = log.appendLocated(bytes("batched-2")).address();
            log.append(bytes("batched-3")).get(30, TimeUnit.SECONDS);
        }
        try (SlotLog log = open(3, BookKeeperSlotLog.Batching.SINGLE)) {
            assertThat(replay(log).records()).containsExactly("single-0", "single-1", "batched-2", "batched-3");
            addresses[2] = log.appendLocated(bytes("single-4")).address();
            log.sync().get(30, TimeUnit.SECONDS);
            log.checkpoint(2, state("state@2"));
        }
        try (SlotLog log = open(4, BookKeeperSlotLog.Batching.DEFAULT)) {
            Replayed r = replay(log);
            assertThat(r.positions()).containsExactly(3L, 4L);
            assertThat(r.records()).containsExactly("batched-3", "single-4");
            assertThat(read(log, addresses[1], 9)).isEqualTo("batched-2");
            assertThat(read(log, addresses[2], 8)).isEqualTo("single-4");
        }
    }
}
