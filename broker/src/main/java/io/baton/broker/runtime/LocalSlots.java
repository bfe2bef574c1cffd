package io.baton.broker.runtime;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The slots this broker holds, and the answer to "who serves slot s?" for the RPC layer: the local
 * driver when it is serving, otherwise an error that tells the caller to retry (recovering,
 * suspended) or to go to the owner the assignment names.
 */
public final class LocalSlots {
    private final ConcurrentHashMap<Integer, SlotDriver> drivers = new ConcurrentHashMap<>();
    private final int slotCount;
    private final IntFunction<SlotUnavailableException> notHere;

    /** {@code notHere} explains why a slot without a local driver is not served here. */
    public LocalSlots(int slotCount, IntFunction<SlotUnavailableException> notHere) {
        this.slotCount = slotCount;
        this.notHere = notHere;
    }

    public int slotCount() {
        return slotCount;
    }

    /** The driver serving {@code slot}; throws when the slot is not being served here right now. */
    public SlotDriver route(int slot) {
        SlotDriver d = drivers.get(slot);
        if (d == null) {
            throw notHere.apply(slot);
        }
        return d;
    }

    public SlotDriver get(int slot) {
        return drivers.get(slot);
    }

    void put(SlotDriver driver) {
        drivers.put(driver.slot(), driver);
    }

    SlotDriver remove(int slot) {
        return drivers.remove(slot);
    }

    public Collection<SlotDriver> all() {
        return drivers.values();
    }

    public boolean allServing() {
        return drivers.values().stream().allMatch(d -> d.state() == SlotOwnershipState.SERVING);
    }
}
