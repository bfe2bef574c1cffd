package io.baton.broker.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import java.util.Arrays;

/**
 * Which broker owns each slot, and under which epoch. {@code version} is the ZooKeeper version of
 * the node it was read from (-1: no assignment yet); a write succeeds only against that version.
 * Epochs only grow: every ownership change gives the slot a higher epoch.
 */
public record SlotAssignment(int version, String[] owners, long[] epochs) {

    public static SlotAssignment empty(int slotCount) {
        return new SlotAssignment(-1, new String[slotCount], new long[slotCount]);
    }

    public int slotCount() {
        return owners.length;
    }

    public String owner(int slot) {
        return owners[slot];
    }

    public long epoch(int slot) {
        return epochs[slot];
    }

    /** A copy with {@code slot} given to {@code broker} under the next epoch. */
    public SlotAssignment reassign(int slot, String broker) {
        String[] o = Arrays.copyOf(owners, owners.length);
        long[] e = Arrays.copyOf(epochs, epochs.length);
        o[slot] = broker;
        e[slot] = epochs[slot] + 1;
        return new SlotAssignment(version, o, e);
    }

    byte[] toBytes() {
        ClusterMap.Builder b = ClusterMap.newBuilder().setSlotCount(owners.length);
        for (int s = 0; s < owners.length; s++) {
            b.addSlots(SlotOwner.newBuilder().setSlot(s).setBrokerId(owners[s] == null ? "" : owners[s]).setEpoch(epochs[s]));
        }
        return b.build().toByteArray();
    }

    static SlotAssignment fromBytes(byte[] data, int version) throws InvalidProtocolBufferException {
        ClusterMap map = ClusterMap.parseFrom(data);
        String[] owners = new String[map.getSlotCount()];
        long[] epochs = new long[map.getSlotCount()];
        for (SlotOwner s : map.getSlotsList()) {
            owners[s.getSlot()] = s.getBrokerId().isEmpty() ? null : s.getBrokerId();
            epochs[s.getSlot()] = s.getEpoch();
        }
        return new SlotAssignment(version, owners, epochs);
    }
}
