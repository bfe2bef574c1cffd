package io.baton.broker.cluster;

import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotHost;
import io.baton.broker.runtime.SlotOwnershipState;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
 * <p>A slot assigned here that fails (its log cannot be opened or replayed, or it fails while
 * serving) is reopened by itself, with a backoff per slot that doubles from
 * {@link #FIRST_RETRY_MILLIS} to {@link #MAX_RETRY_MILLIS}: once the cause is gone (space freed,
 * a bookie back) it serves again without a restart, and a cause that stays (damaged files) costs
 * one attempt every half minute. A slot that served for {@link #STABLE_MILLIS} starts again from
 * the first delay.
 *
 * <p>Threads: every event is handled on one private thread, in order; opening a slot (log replay)
 * runs on the slot's own thread.
 */
public final class OwnershipReconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OwnershipReconciler.class);
    static final long FIRST_RETRY_MILLIS = 500;
    static final long MAX_RETRY_MILLIS = 30_000;
    static final long STABLE_MILLIS = 60_000;

    private final String brokerId;
    private final SlotHost host;
    private final AssignmentStore store;
    private final int slotCount;
    private final ScheduledExecutorService events =
            Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("ownership"));

    /** Per slot: consecutive failed attempts, when it last started serving, whether a retry is due. Event thread only. */
    private static final class Retry {
        int failures;
        long servingSince = Long.MIN_VALUE;
        boolean scheduled;
    }

    private final Map<Integer, Retry> retries = new HashMap<>();

    public OwnershipReconciler(String brokerId, SlotHost host, AssignmentStore store, int slotCount) {
        this.brokerId = brokerId;
        this.host = host;
        this.store = store;
        this.slotCount = slotCount;
    }

    public void start(CuratorFramework zk) throws InterruptedException {
        host.onFailure(slot -> submit(() -> failed(slot)));
        zk.getConnectionStateListenable().addListener((client, state) -> submit(() -> onConnection(state)));
        store.watch(a -> submit(() -> reconcile(a)));
    }

    private void submit(Runnable task) {
        try {
            events.execute(task);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void onConnection(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                log.warn("ZooKeeper connection suspended: broker {} stops serving its slots", brokerId);
                host.slots().all().forEach(SlotDriver::suspend);
            }
            case LOST -> {
                log.warn("ZooKeeper session lost: broker {} drops its slots", brokerId);
                host.closeAllAsync(); // not waited for: a slot reopened later waits for its own close
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
                boolean failedToOpen = d == null && host.failures().containsKey(s);
                if (stale) {
                    host.close(s);
                }
                if ((d == null && !failedToOpen) || stale) {
                    open(s, a.epoch(s));
                }
            } else {
                retries.remove(s);
                host.forget(s);
                if (d != null) {
                    log.info("slot {}: assigned to {} (epoch {}); stopping here", s, a.owner(s), a.epoch(s));
                    // Not waited for: the slot stops serving at once; its log finishes closing in the
                    // background while the other slots are reconciled.
                    host.close(s);
                }
            }
        }
    }

    /** Opens {@code slot} (after its previous instance here has closed). Event thread only. */
    private void open(int slot, long epoch) {
        host.open(slot, epoch).whenComplete((v, e) -> submit(() -> {
            Retry r = retries.computeIfAbsent(slot, k -> new Retry());
            if (e == null) {
                r.servingSince = System.currentTimeMillis();
            }
            // A failure was reported through host.onFailure, which schedules the retry.
        }));
    }

    /** {@code slot} failed here (at open or while serving): reopen it after its backoff. Event thread only. */
    private void failed(int slot) {
        Retry r = retries.computeIfAbsent(slot, k -> new Retry());
        long now = System.currentTimeMillis();
        if (r.servingSince != Long.MIN_VALUE && now - r.servingSince >= STABLE_MILLIS) {
            r.failures = 0;
        }
        r.servingSince = Long.MIN_VALUE;
        if (r.scheduled) {
            return;
        }
        long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(16, r.failures));
        r.failures++;
        r.scheduled = true;
        log.warn("slot {}: failed ({}); reopening it in {} ms (attempt {})", slot, reason(slot), delay, r.failures);
        try {
            events.schedule(() -> reopen(slot), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closing
        }
    }

    private String reason(int slot) {
        SlotHost.Failure f = host.failures().get(slot);
        return f == null ? "unknown cause" : f.reason();
    }

    /** Opens a failed slot again if it is still assigned here. Event thread only. */
    private void reopen(int slot) {
        Retry r = retries.get(slot);
        if (r != null) {
            r.scheduled = false;
        }
        SlotAssignment a;
        try {
            a = store.read(slotCount);
        } catch (Exception e) {
            log.warn("slot {}: reading the assignment to reopen it failed; trying again", slot, e);
            failed(slot);
            return;
        }
        if (!brokerId.equals(a.owner(slot))) {
            retries.remove(slot);
            host.forget(slot);
            return;
        }
        SlotDriver d = host.slots().get(slot);
        if (d != null && d.state() != SlotOwnershipState.FAILED && d.epoch() == a.epoch(slot)) {
            return; // serving (or recovering) again already
        }
        if (d != null) {
            host.close(slot);
        }
        open(slot, a.epoch(slot));
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
