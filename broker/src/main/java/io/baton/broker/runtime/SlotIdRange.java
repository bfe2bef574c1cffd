package io.baton.broker.runtime;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The range of ids one slot may issue, reserved ahead in {@link SeqReservations}: the slot never
 * issues an id at or past the reservation's end, renews it in the background once half is used,
 * and refuses commands that issue ids (retryably) when it comes within a margin of the end before
 * the renewal is recorded.
 *
 * <p>Slot thread only, except that {@link #reserveFrom} blocks (recovery).
 */
final class SlotIdRange {
    private static final Logger log = LoggerFactory.getLogger(SlotIdRange.class);

    private final int slot;
    private final SeqReservations reservations;
    private final SlotLane thread;
    /** Ids reserved ahead of what is issued; renewed when half is used. */
    private long range = 1L << 20;
    /** Commands that issue ids are refused this close to the reservation's end. */
    private long margin = 1L << 16;
    /** No id is issued at or past this (set at recovery, raised by renewals). */
    private long reservedUpTo;
    private boolean renewing;

    SlotIdRange(int slot, SeqReservations reservations, SlotLane thread) {
        this.slot = slot;
        this.reservations = reservations;
        this.thread = thread;
    }

    /** Smaller reservations than the broker's, for tests. */
    void sizes(long range, long margin) {
        this.range = range;
        this.margin = margin;
    }

    long range() {
        return range;
    }

    /** The recorded reservation: ids below it may have been issued before. Blocking. */
    long recordedFloor() throws Exception {
        return reservations.reserved(slot);
    }

    /** Reserves the range starting at {@code nextSeq} and waits for it to be recorded (recovery). */
    void reserveFrom(long nextSeq) throws Exception {
        long upTo = nextSeq + range;
        reservations.reserve(slot, upTo).get(30, TimeUnit.SECONDS);
        reservedUpTo = upTo;
    }

    /** Whether a command issuing ids from {@code nextSeq} must wait for the next range. */
    boolean nearEnd(long nextSeq) {
        return nextSeq + margin > reservedUpTo;
    }

    /** Reserves the next range in the background, once half the current one is used. */
    void renewIfDue(long nextSeq) {
        if (renewing || nextSeq < reservedUpTo - range / 2) {
            return;
        }
        renewing = true;
        long upTo = nextSeq + range;
        reservations.reserve(slot, upTo).whenComplete((v, e) -> {
            try {
                thread.execute(() -> {
                    renewing = false;
                    if (e == null) {
                        reservedUpTo = Math.max(reservedUpTo, upTo);
                    } else {
                        log.warn("slot {}: reserving ids up to {} failed; retrying with the next command", slot, upTo, e);
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                // nothing left to issue ids for
            }
        });
    }
}
