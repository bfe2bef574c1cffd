package io.baton.broker.log;

import java.io.IOException;

/** Opens the log of a slot for a new owner epoch. */
public interface SlotLogFactory extends AutoCloseable {
    SlotLog open(int slot, long epoch) throws IOException;

    /** Why writes that grow the backlog must be refused now (a disk short of space); null when they may go ahead. */
    default String writeRefusal() {
        return null;
    }

    @Override
    default void close() {}
}
