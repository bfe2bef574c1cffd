package io.baton.broker.cluster;

import io.baton.api.v1.BrokerInfo;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker membership: this broker's ephemeral node (re-created by Curator after a session loss) and
 * a live view of every broker's address.
 */
public final class BrokerRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerRegistry.class);

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final Map<String, BrokerInfo> brokers = new ConcurrentHashMap<>();
    private PersistentNode self;
    private CuratorCache cache;

    public BrokerRegistry(CuratorFramework zk, ClusterPaths paths) {
        this.zk = zk;
        this.paths = paths;
    }

    public void register(BrokerInfo me) throws Exception {
        brokers.put(me.getId(), me);
        self = new PersistentNode(zk, CreateMode.EPHEMERAL, false, paths.broker(me.getId()), me.toByteArray());
        self.start();
        if (!self.waitForInitialCreate(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not register broker " + me.getId() + " in ZooKeeper");
        }
        cache = CuratorCache.build(zk, paths.brokers());
        java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forInitialized(loaded::countDown)
                .forCreatesAndChanges((oldNode, node) -> {
                    put(node);
                    changed();
                })
                .forDeletes(node -> {
                    String id = id(node);
                    if (id != null) {
                        brokers.remove(id);
                    }
                    changed();
                })
                .build());
        cache.start();
        // Answer no request before the membership is known: a NOT_OWNER must be able to name the owner's address.
        if (!loaded.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not load broker membership from ZooKeeper");
        }
    }

    private void put(ChildData node) {
        String id = id(node);
        if (id == null || node.getData() == null || node.getData().length == 0) {
            return;
        }
        try {
            brokers.put(id, BrokerInfo.parseFrom(node.getData()));
        } catch (Exception e) {
            log.warn("unreadable broker registration {}", node.getPath(), e);
        }
    }

    private String id(ChildData node) {
        String prefix = paths.brokers() + "/";
        return node.getPath().startsWith(prefix) ? node.getPath().substring(prefix.length()) : null;
    }

    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Runs {@code listener} (on Curator's event thread) whenever a broker joins, changes or leaves. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** Removes this broker's registration (a clean leave); the membership view keeps working. Idempotent. */
    public synchronized void deregister() {
        if (self != null && !zk.getZookeeperClient().isConnected()) {
            // Deleting would retry until ZooKeeper is back; the node is ephemeral and goes with
            // the session (closed with the client, or expired).
            self = null;
        }
        if (self != null) {
            try {
                self.close();
            } catch (Exception e) {
                log.warn("removing this broker's registration", e);
            }
            self = null;
        }
    }

    public BrokerInfo broker(String id) {
        return id == null ? null : brokers.get(id);
    }

    public Map<String, BrokerInfo> brokers() {
        return Map.copyOf(brokers);
    }

    @Override
    public void close() throws Exception {
        if (cache != null) {
            cache.close();
        }
        deregister();
    }
}
