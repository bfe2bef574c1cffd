package io.baton.broker.cluster;

import io.baton.api.v1.SlotStatus;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotOwnershipState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How a broker is doing, from what it was assigned and what it serves: the lines of its
 * {@code /health} answer and the state of each of its slots. Any thread; it reads what the slot
 * threads publish.
 */
public final class BrokerHealth {
    private final String brokerId;
    private final BooleanSupplier zooKeeperConnected;
    private final Supplier<SlotAssignment> assignment;
    private final SlotHost host;
    /** What keeps the slot logs from storing anything (a disk that stopped answering); null: nothing. */
    private final Supplier<String> storageProblem;

    public BrokerHealth(String brokerId, BooleanSupplier zooKeeperConnected, Supplier<SlotAssignment> assignment, SlotHost host,
                        Supplier<String> storageProblem) {
        this.brokerId = brokerId;
        this.zooKeeperConnected = zooKeeperConnected;
        this.assignment = assignment;
        this.host = host;
        this.storageProblem = storageProblem;
    }

    public boolean zooKeeperConnected() {
        return zooKeeperConnected.getAsBoolean();
    }

    /**
     * What keeps this broker from being healthy, one line each (empty when healthy): ZooKeeper,
     * storage that stopped answering, and every slot assigned here that is not serving, with why.
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (!zooKeeperConnected()) {
            out.add("zookeeper: not connected");
        }
        String storage = storageProblem.get();
        if (storage != null) {
            out.add("storage: " + storage);
        }
        SlotAssignment a = assignment.get();
        if (a == null || host == null) {
            out.add("slots: no assignment read yet");
            return out;
        }
        for (SlotStatus s : slots(a)) {
            switch (s.getState()) {
                case "SERVING" -> { }
                case "FAILED" -> out.add("slot " + s.getSlot() + ": FAILED" + (s.getFailure().isEmpty() ? "" : ": " + s.getFailure()));
                case OPENING -> out.add("slot " + s.getSlot() + ": not open yet");
                default -> out.add("slot " + s.getSlot() + ": " + s.getState());
            }
        }
        return out;
    }

    /** The slots assigned to this broker, in order, each with its state as this broker serves it. */
    public List<SlotStatus> slots() {
        SlotAssignment a = assignment.get();
        return a == null || host == null ? List.of() : slots(a);
    }

    /** A slot assigned here whose driver does not exist yet. */
    static final String OPENING = "OPENING";

    private List<SlotStatus> slots(SlotAssignment a) {
        Map<Integer, SlotHost.Failure> failures = host.failures();
        List<SlotStatus> out = new ArrayList<>();
        for (int s = 0; s < a.slotCount(); s++) {
            if (!brokerId.equals(a.owner(s))) {
                continue;
            }
            SlotStatus.Builder b = SlotStatus.newBuilder().setSlot(s).setEpoch(a.epoch(s));
            SlotDriver d = host.slots().get(s);
            SlotHost.Failure f = failures.get(s);
            if (f != null) {
                b.setState(SlotOwnershipState.FAILED.name()).setFailure(f.reason());
            } else if (d == null) {
                b.setState(OPENING);
            } else {
                b.setState(d.state().name()).setMessages(d.liveMessages()).setClaimed(d.claimedMessages())
                        .setDelayed(d.delayedMessages());
            }
            out.add(b.build());
        }
        return out;
    }
}
