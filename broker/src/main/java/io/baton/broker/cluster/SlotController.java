package io.baton.broker.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster controller: every broker runs one, {@link LeaderLatch} elects the active one. The
 * leader keeps the slot assignment balanced over the live brokers: on every membership change
 * (a broker joins, leaves cleanly, or its session expires) it computes a new assignment and
 * writes it by versioned compare-and-set; each slot that changes owner gets a new epoch.
 *
 * <p>Balanced and sticky ({@link #plan}): a slot stays with its owner while the owner is alive and
 * not above its fair share; only surplus and orphaned slots move.
 *
 * <p>Threads: decisions run on one thread of their own, so membership events never block Curator.
 */
public final class SlotController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlotController.class);

    private final LeaderLatch latch;
    private final AssignmentStore store;
    private final BrokerRegistry registry;
    private final int slotCount;
    private final ScheduledExecutorService decisions = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("slot-controller"));
    private volatile long decisionsMade;

    public SlotController(CuratorFramework zk, ClusterPaths paths, String brokerId, AssignmentStore store,
            BrokerRegistry registry, int slotCount) {
        this.latch = new LeaderLatch(zk, paths.controller(), brokerId);
        this.store = store;
        this.registry = registry;
        this.slotCount = slotCount;
    }

    public void start() throws Exception {
        latch.addListener(new LeaderLatchListener() {
            @Override
            public void isLeader() {
                log.info("this broker is now the controller");
                schedule();
            }

            @Override
            public void notLeader() {
                log.info("this broker is no longer the controller");
            }
        });
        registry.onChange(this::schedule);
        latch.start();
    }

    /** Assignments written by this controller (for metrics). */
    public long decisions() {
        return decisionsMade;
    }

    private void schedule() {
        try {
            decisions.execute(this::rebalance);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void rebalance() {
        if (!latch.hasLeadership()) {
            return;
        }
        try {
            for (int attempt = 0; attempt < 10; attempt++) {
                SlotAssignment current = store.read(slotCount);
                Set<String> live = new TreeSet<>(registry.brokers().keySet());
                SlotAssignment next = plan(current, live);
                if (next == current) {
                    return;
                }
                if (store.compareAndSet(next)) {
                    decisionsMade++;
                    log.info("controller assigned slots over {} brokers: {}", live.size(), live);
                    return;
                }
            }
            log.warn("controller: assignment kept changing under it; will retry");
            decisions.schedule(this::rebalance, 500, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("controller: rebalance failed; retrying", e);
            decisions.schedule(this::rebalance, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * The balanced, sticky assignment for {@code live} brokers, or {@code current} itself when
     * nothing needs to move. Each broker's fair share is slots/brokers (the first slots%brokers
     * brokers, in id order, take one more). Pure: no I/O (tested on its own).
     */
    static SlotAssignment plan(SlotAssignment current, Set<String> live) {
        if (live.isEmpty()) {
            return current;
        }
        int n = current.slotCount();
        List<String> brokers = new ArrayList<>(new TreeSet<>(live)); // id order: every controller decides alike
        Map<String, Integer> share = new HashMap<>();
        for (int i = 0; i < brokers.size(); i++) {
            share.put(brokers.get(i), n / brokers.size() + (i < n % brokers.size() ? 1 : 0));
        }
        Map<String, Integer> held = new HashMap<>();
        String[] owner = new String[n];
        List<Integer> free = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            String o = current.owner(s);
            if (o != null && live.contains(o) && held.getOrDefault(o, 0) < share.get(o)) {
                owner[s] = o;
                held.merge(o, 1, Integer::sum);
            } else {
                free.add(s);
            }
        }
        int next = 0;
        for (String b : brokers) {
            while (held.getOrDefault(b, 0) < share.get(b) && next < free.size()) {
                owner[free.get(next++)] = b;
                held.merge(b, 1, Integer::sum);
            }
        }
        SlotAssignment result = current;
        for (int s = 0; s < n; s++) {
            if (owner[s] != null && !owner[s].equals(current.owner(s))) {
                result = result.reassign(s, owner[s]);
            }
        }
        return result;
    }

    @Override
    public void close() {
        decisions.shutdownNow();
        try {
            latch.close();
        } catch (Exception e) {
            log.debug("closing the leader latch", e);
        }
    }
}
