package io.baton.broker.log;

/**
 * Everything {@link BookKeeperSlotLogTest} checks, with one record per entry: how brokers wrote
 * before batching, and what a broker writes while a rolling upgrade is under way.
 */
class BookKeeperSingleEntrySlotLogTest extends BookKeeperSlotLogTest {
    @Override
    protected BookKeeperSlotLog.Batching batching() {
        return BookKeeperSlotLog.Batching.SINGLE;
    }
}
