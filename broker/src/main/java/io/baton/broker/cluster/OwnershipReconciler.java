package io.baton.broker.cluster;

import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotOwnershipState;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the slots served here match the assignment in ZooKeeper, and keeps a broker that may have
 * lost its ownership from answering: SUSPENDED stops serving at once (another broker may be taking
 * over), RECONNECTED resumes after re-reading the assignment, LOST drops every slot.
 *
 * <p>Threads: every event is handled on one private thread, in order; opening a slot (log replay)
 * runs on the slot's own thread.
 */
public final class OwnershipReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OwnershipReconciler.class);

    private final String brokerId;
    private final SlotHost host;
    private final AssignmentStore store;
    private final int slotCount;
    private final java.util.concurrent.ScheduledExecutorService events =
            Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("ownership"));
    /** A retry is scheduled (event thread only): failures in a burst share one. */
    private boolean retryPending;

    public OwnershipReconciler(String brokerId, SlotHost host, AssignmentStore store, int slotCount) {
        this.brokerId = brokerId;
        this.host = host;
        this.store = store;
        this.slotCount = slotCount;
    }

    public void start(CuratorFramework zk) throws InterruptedException {
        zk.getConnectionStateListenable().addListener((client, state) -> events.execute(() -> onConnection(state)));
        store.watch(a -> events.execute(() -> reconcile(a)));
    }

    private void onConnection(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                log.warn("ZooKeeper connection suspended: broker {} stops serving its slots", brokerId);
                host.slots().all().forEach(SlotDriver::suspend);
            }
            case LOST -> {
                log.warn("ZooKeeper session lost: broker {} drops its slots", brokerId);
                host.closeAllAsync(); // not waited for, as in reconcile
            }
            case RECONNECTED -> {
                try {
                    SlotAssignment a = store.read(slotCount);
                    host.slots().all().forEach(SlotDriver::resume);
                    reconcile(a);
                } catch (Exception e) {
                    log.error("re-reading the slot assignment failed", e);
                }
            }
            default -> { }
        }
    }

    private void reconcile(SlotAssignment a) {
        for (int s = 0; s < a.slotCount(); s++) {
            SlotDriver d = host.slots().get(s);
            if (brokerId.equals(a.owner(s))) {
                boolean stale = d != null && (d.epoch() != a.epoch(s) || d.state() == SlotOwnershipState.FAILED
                        || d.state() == SlotOwnershipState.RELEASED);
                if (stale) {
                    host.close(s).join();
                }
                if (d == null || stale) {
                    int slot = s;
                    host.open(s, a.epoch(s)).whenComplete((v, e) -> {
                        if (e != null) {
                            // Try again with whatever the assignment says by then (it may have moved on).
                            log.warn("slot {}: could not start serving; retrying in a second: {}", slot, e.toString());
                            try {
                                events.execute(this::retryLater); // this callback may run on the slot's thread
                            } catch (java.util.concurrent.RejectedExecutionException closing) {
                                // closing
                            }
                        }
                    });
                }
            } else if (d != null) {
                log.info("slot {}: assigned to {} (epoch {}); stopping here", s, a.owner(s), a.epoch(s));
                // Not waited for: the slot stops serving at once; its log finishes closing in the
                // background while the other slots are reconciled.
                host.close(s);
            }
        }
    }

    /**
     * Reconciles again in a second with whatever the assignment says by then. Scheduled, not
     * slept: assignment and connection events keep being handled meanwhile. Event thread only.
     */
    private void retryLater() {
        if (retryPending) {
            return;
        }
        retryPending = true;
        try {
            events.schedule(() -> {
                retryPending = false;
                try {
                    reconcile(store.read(slotCount));
                } catch (Exception e) {
                    log.warn("re-reading the slot assignment failed", e);
                    retryLater();
                }
            }, 1, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        events.shutdown();
        try {
            events.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
