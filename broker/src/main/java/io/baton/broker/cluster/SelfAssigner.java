package io.baton.broker.cluster;

/**
 * Standalone mode's controller: gives every slot to this broker under a new epoch. Every start is
 * a new incarnation, so epochs are bumped even for slots it owned already.
 */
public final class SelfAssigner {
    private SelfAssigner() {}

    public static SlotAssignment assignAll(AssignmentStore store, String brokerId, int slotCount) throws Exception {
        while (true) {
            SlotAssignment current = store.read(slotCount);
            SlotAssignment next = current;
            for (int s = 0; s < slotCount; s++) {
                next = next.reassign(s, brokerId);
            }
            if (store.compareAndSet(next)) {
                return store.read(slotCount);
            }
        }
    }
}
