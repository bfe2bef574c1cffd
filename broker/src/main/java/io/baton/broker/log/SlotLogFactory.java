package io.baton.broker.log;

import java.io.IOException;

/** Opens the log of a slot for a new owner epoch. */
public interface SlotLogFactory extends AutoCloseable {
    SlotLog open(int slot, long epoch) throws IOException;

    /** Why writes that grow the backlog must be refused now (a disk short of space); null when they may go ahead. */
    default String writeRefusal() {
        return null;
    }

    /** What keeps the logs from storing anything now, for health (null: nothing known). */
    default String storageProblem() {
        return null;
    }

    /** What stores the logs, for operators: "file" or "bookkeeper". */
    String kind();

    /** Bookies the cluster lists as writable now; -1 when the logs are not in BookKeeper or it cannot tell. */
    default int writableBookies() {
        return -1;
    }

    @Override
    default void close() {}
}
