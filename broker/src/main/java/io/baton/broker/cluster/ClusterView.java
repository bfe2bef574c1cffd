package io.baton.broker.cluster;

import io.baton.api.ErrorCode;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotUnavailableException;
import java.util.function.Supplier;

/**
 * What this broker knows of the cluster, as ZooKeeper last told it: the map clients route by, and
 * for a slot it does not serve, who does (a redirect) or that nobody does yet (a retry). Any
 * thread: it reads the latest assignment and registrations.
 */
public final class ClusterView {
    private final String brokerId;
    private final int slotCount;
    private final AssignmentStore assignments;
    private final BrokerRegistry registry;
    private final Supplier<SlotHost> host;

    /** {@code host}: this broker's slots, once they exist (null before). */
    public ClusterView(String brokerId, int slotCount, AssignmentStore assignments, BrokerRegistry registry, Supplier<SlotHost> host) {
        this.brokerId = brokerId;
        this.slotCount = slotCount;
        this.assignments = assignments;
        this.registry = registry;
        this.host = host;
    }

    /** The brokers registered and the latest assignment of every slot (owner, epoch). */
    public ClusterMap map() {
        SlotAssignment a = assignments.latest();
        ClusterMap.Builder b = ClusterMap.newBuilder().setSlotCount(slotCount);
        for (BrokerInfo info : registry.brokers().values()) {
            b.addBrokers(info);
        }
        if (a != null) {
            b.setVersion(a.version());
            for (int s = 0; s < a.slotCount(); s++) {
                b.addSlots(SlotOwner.newBuilder().setSlot(s).setBrokerId(a.owner(s) == null ? "" : a.owner(s)).setEpoch(a.epoch(s)));
            }
        }
        return b.build();
    }

    /** The gRPC address of the broker that owns {@code slot}; null when nobody else does (this one, or none yet). */
    public String ownerAddress(int slot) {
        SlotAssignment a = assignments.latest();
        String owner = a == null ? null : a.owner(slot);
        BrokerInfo info = owner == null || owner.equals(brokerId) ? null : registry.broker(owner);
        return info == null ? null : info.getGrpcAddress();
    }

    /** Why a slot with no local driver is not served here: another owner (redirect) or none yet (retry). */
    public SlotUnavailableException notServedHere(int slot) {
        SlotAssignment a = assignments.latest();
        String owner = a == null ? null : a.owner(slot);
        if (owner == null || owner.equals(brokerId)) {
            SlotHost h = host.get();
            if (h != null && h.failures().containsKey(slot)) {
                return SlotUnavailableException.retry("Slot " + slot + " cannot be served: its storage failed. It is reopened"
                        + " automatically once the cause is gone. Please try again in a few seconds.", slot);
            }
            return SlotUnavailableException.retry("Slot " + slot + " is not being served yet. Please try again in a few seconds.", slot);
        }
        BrokerInfo info = registry.broker(owner);
        return new SlotUnavailableException(ErrorCode.NOT_OWNER, "Slot " + slot + " is owned by broker " + owner + ".",
                slot, a.epoch(slot), owner, info == null ? "" : info.getGrpcAddress());
    }
}
