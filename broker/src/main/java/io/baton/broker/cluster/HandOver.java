package io.baton.broker.cluster;

import io.baton.broker.runtime.SlotHost;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leaving the cluster cleanly: this broker's registration is removed so that the controller moves
 * its slots to the others, and it keeps serving each slot until the assignment has moved it (the
 * reconciler then stops serving it, makes what it appended durable and closes its ledger, and
 * clients are redirected to the new owner). Gives up after a timeout; what is left is closed the
 * same way, and the new owners fence it.
 */
public final class HandOver {
    private static final Logger log = LoggerFactory.getLogger(HandOver.class);

    private HandOver() {}

    /** Blocks until every slot of {@code brokerId} has moved away, or {@code timeout} passes. */
    public static void leave(String brokerId, BrokerRegistry registry, AssignmentStore assignments, SlotHost host,
                             BooleanSupplier zooKeeperConnected, Duration timeout) {
        boolean others = registry.brokers().keySet().stream().anyMatch(id -> !id.equals(brokerId));
        if (!others || !zooKeeperConnected.getAsBoolean()) {
            return; // nobody to hand over to: close, and the slots wait for a broker to come back
        }
        log.info("broker {} leaving: handing its slots over", brokerId);
        long t0 = System.nanoTime();
        registry.deregister();
        long deadline = t0 + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            SlotAssignment a = assignments.latest();
            boolean assignedHere = false;
            for (int s = 0; a != null && s < a.slotCount(); s++) {
                assignedHere |= brokerId.equals(a.owner(s));
            }
            if (!assignedHere && host.slots().all().isEmpty()) {
                log.info("broker {} handed its slots over in {} ms", brokerId, (System.nanoTime() - t0) / 1_000_000);
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn("broker {}: slots not handed over within {}; closing them anyway", brokerId, timeout);
    }
}
