package io.baton.broker.runtime;

/**
 * The lanes slot commands run on: slot {@code s} always runs on lane {@code s mod n}, so each
 * state machine runs one task at a time and needs no locks, and a broker with 256 slots still has
 * only a handful of threads. Each lane has a thread of its own; a caller may run its command on a
 * lane itself while the lane is idle ({@link SlotLane}).
 */
public final class SlotThreads implements AutoCloseable {
    private final SlotLane[] lanes;

    public SlotThreads(int count) {
        lanes = new SlotLane[count];
        for (int i = 0; i < count; i++) {
            lanes[i] = new SlotLane("slot-thread-" + i);
        }
    }

    public SlotLane forSlot(int slot) {
        return lanes[slot % lanes.length];
    }

    @Override
    public void close() {
        for (SlotLane lane : lanes) {
            lane.close();
        }
    }
}
