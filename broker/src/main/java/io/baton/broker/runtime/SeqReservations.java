package io.baton.broker.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * How far each slot may issue sequence numbers (message and claim ids), kept apart from the slots'
 * logs: a slot directory restored from a backup has an older log that would hand out again ids
 * clients already hold (and a client's delete with an old id would then hit a new message). A
 * slot reserves a range ahead of what it issues and never issues past its reservation; a slot that
 * opens starts after the recorded reservation. The broker keeps them in ZooKeeper.
 */
public interface SeqReservations {
    /** Keeps nothing: ids follow the log alone (tests and tools). */
    SeqReservations NONE = new SeqReservations() {
        @Override
        public long reserved(int slot) {
            return 0;
        }

        @Override
        public CompletableFuture<Void> reserve(int slot, long upTo) {
            return CompletableFuture.completedFuture(null);
        }
    };

    /** The slot's recorded reservation: ids below it may have been issued (0: none). Blocking. */
    long reserved(int slot) throws Exception;

    /** Records that the slot may issue ids below {@code upTo}; never lowers a recorded reservation. */
    CompletableFuture<Void> reserve(int slot, long upTo);
}
