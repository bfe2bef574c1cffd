package io.baton.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's slot count and slot assignment in ZooKeeper. Writes are compare-and-set on the
 * node version: a writer that read a stale assignment fails and must read again.
 */
public final class AssignmentStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AssignmentStore.class);

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private CuratorCache cache;
    private volatile SlotAssignment latest;

    public AssignmentStore(CuratorFramework zk, ClusterPaths paths) {
        this.zk = zk;
        this.paths = paths;
    }

    /** The cluster's slot count: {@code requested} if this call creates the cluster, else the stored one. */
    public int ensureSlotCount(int requested) throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                    .forPath(paths.config(), Integer.toString(requested).getBytes(StandardCharsets.UTF_8));
        } catch (KeeperException.NodeExistsException e) {
            // the cluster exists already
        }
        try {
            zk.create().creatingParentsIfNeeded().forPath(paths.brokers());
        } catch (KeeperException.NodeExistsException e) {
            // fine
        }
        int stored = Integer.parseInt(new String(zk.getData().forPath(paths.config()), StandardCharsets.UTF_8).trim());
        if (stored != requested) {
            log.warn("cluster {} has {} slots (set at creation); ignoring the requested {}", paths.cluster(), stored, requested);
        }
        return stored;
    }

    public SlotAssignment read(int slotCount) throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = zk.getData().storingStatIn(stat).forPath(paths.assignment());
            return SlotAssignment.fromBytes(data, stat.getVersion());
        } catch (KeeperException.NoNodeException e) {
            return SlotAssignment.empty(slotCount);
        }
    }

    /** Writes {@code next} if the node is still at {@code next.version()}; false if someone else wrote first. */
    public boolean compareAndSet(SlotAssignment next) throws Exception {
        try {
            if (next.version() < 0) {
                zk.create().creatingParentsIfNeeded().forPath(paths.assignment(), next.toBytes());
            } else {
                zk.setData().withVersion(next.version()).forPath(paths.assignment(), next.toBytes());
            }
            return true;
        } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
            return false;
        }
    }

    /**
     * Calls {@code listener} with every new assignment (on Curator's event thread); returns once the
     * current assignment, if any, has been read.
     */
    public void watch(Consumer<SlotAssignment> listener) throws InterruptedException {
        cache = CuratorCache.build(zk, paths.assignment(), CuratorCache.Options.SINGLE_NODE_CACHE);
        java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> deliver(node, listener))
                .forInitialized(() -> {
                    cache.get(paths.assignment()).ifPresent(node -> deliver(node, listener));
                    loaded.countDown();
                })
                .build());
        cache.start();
        if (!loaded.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not load the slot assignment from ZooKeeper");
        }
    }

    private void deliver(ChildData node, Consumer<SlotAssignment> listener) {
        try {
            SlotAssignment a = SlotAssignment.fromBytes(node.getData(), node.getStat().getVersion());
            SlotAssignment prev = latest;
            if (prev == null || a.version() > prev.version()) {
                latest = a;
                listener.accept(a);
            }
        } catch (Exception e) {
            log.error("unreadable slot assignment", e);
        }
    }

    /** The last assignment seen by {@link #watch}, or null. */
    public SlotAssignment latest() {
        return latest;
    }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
        }
    }
}
