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

    @Override
    protected SlotLog open() throws Exception {
        return BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT);
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
        assertThat(oldEvents.added.get()).isEqualTo(200);
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
        final java.util.concurrent.atomic.AtomicInteger added = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger fencedPrevious = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger fencedHere = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void added(long nanos) {
            added.incrementAndGet();
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
}
