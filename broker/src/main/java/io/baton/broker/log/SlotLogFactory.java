package io.baton.broker.log;

import java.io.IOException;

/** Opens the log of a slot for a new owner epoch. */
public interface SlotLogFactory extends AutoCloseable {
    SlotLog open(int slot, long epoch) throws IOException;

    @Override
    default void close() {}
}
