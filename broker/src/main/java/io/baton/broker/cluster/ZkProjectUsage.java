package io.baton.broker.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.api.DaemonThreads;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.quota.ProjectQuotas.Usage;
import io.baton.broker.quota.Quota;
import io.baton.broker.quota.QuotaPolicy;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * Shares what each broker's slots hold by project, so every broker can check a project's quota
 * against the whole cluster. Each broker writes its usage of the projects that have a quota, at
 * most once an interval and only when it changed, to its own ephemeral node
 * ({@code <root>/usage/<broker>}, gone with its session, so a dead broker's share leaves with
 * its slots); it watches the others' nodes and hands their sum to {@link ProjectQuotas}.
 *
 * <p>What others hold is known as of their last report: a quota can be passed across brokers by
 * what the others admit within an interval, never within one broker. A node holds at most
 * {@link #MAX_PROJECTS} projects, those nearest their quotas, to stay well inside ZooKeeper's
 * node size.
 */
public final class ZkProjectUsage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZkProjectUsage.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_PROJECTS = 10_000;

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final String brokerId;
    private final ProjectQuotas quotas;
    /** broker -> project -> usage, as each other broker last reported. */
    private final Map<String, Map<String, Usage>> others = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("project-usage"));
    private PersistentNode self;
    private CuratorCache cache;
    /** What this broker last wrote. Timer thread only. */
    private byte[] published;
    private boolean warnedTruncated;

    public ZkProjectUsage(CuratorFramework zk, ClusterPaths paths, String brokerId, ProjectQuotas quotas) {
        this.zk = zk;
        this.paths = paths;
        this.brokerId = brokerId;
        this.quotas = quotas;
    }

    /** Registers this broker's node, loads the others' and reports every {@code interval}. */
    public void start(Duration interval) throws Exception {
        published = encode(quotas.localUsage(), quotas.policy());
        self = new PersistentNode(zk, CreateMode.EPHEMERAL, false, paths.usage(brokerId), published);
        self.start();
        if (!self.waitForInitialCreate(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not create " + paths.usage(brokerId) + " in ZooKeeper");
        }
        cache = CuratorCache.build(zk, paths.usage());
        CountDownLatch loaded = new CountDownLatch(1);
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forInitialized(loaded::countDown)
                .forCreatesAndChanges((oldNode, node) -> read(node))
                .forDeletes(node -> {
                    String id = brokerOf(node);
                    if (id != null && others.remove(id) != null) {
                        sum();
                    }
                })
                .build());
        cache.start();
        if (!loaded.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not load the brokers' project usage from ZooKeeper");
        }
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(this::publish, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void publish() {
        try {
            byte[] now = encode(quotas.localUsage(), quotas.policy());
            if (!Arrays.equals(now, published)) {
                self.setData(now);
                published = now;
            }
        } catch (Exception e) {
            log.warn("reporting this broker's project usage to ZooKeeper failed; retrying", e);
        }
    }

    private void read(ChildData node) {
        String id = brokerOf(node);
        if (id == null || id.equals(brokerId) || node.getData() == null) {
            return;
        }
        try {
            others.put(id, decode(node.getData()));
            sum();
        } catch (Exception e) {
            log.warn("unreadable project usage of broker {}", id, e);
        }
    }

    private String brokerOf(ChildData node) {
        String prefix = paths.usage() + "/";
        return node.getPath().startsWith(prefix) ? node.getPath().substring(prefix.length()) : null;
    }

    private void sum() {
        Map<String, Usage> total = new HashMap<>();
        for (Map<String, Usage> broker : others.values()) {
            broker.forEach((project, u) -> total.merge(project, u, (a, b) -> new Usage(a.messages() + b.messages(),
                    a.bytes() + b.bytes())));
        }
        quotas.remoteUsage(total);
    }

    /** {"project": [messages, bytes], ...} for the projects with a quota, nearest their quota first. */
    byte[] encode(Map<String, Usage> usage, QuotaPolicy policy) throws java.io.IOException {
        List<Map.Entry<String, Usage>> limited = usage.entrySet().stream()
                .filter(e -> !policy.quotaOf(e.getKey()).unlimited())
                .sorted(Comparator.comparingDouble((Map.Entry<String, Usage> e) -> -fill(e.getValue(), policy.quotaOf(e.getKey()))))
                .toList();
        if (limited.size() > MAX_PROJECTS && !warnedTruncated) {
            warnedTruncated = true;
            log.warn("{} projects with a quota hold messages on this broker; only the {} nearest their quotas are shared"
                    + " with the other brokers", limited.size(), MAX_PROJECTS);
        }
        ObjectNode out = JSON.createObjectNode();
        for (Map.Entry<String, Usage> e : limited.subList(0, Math.min(MAX_PROJECTS, limited.size()))) {
            out.putArray(e.getKey()).add(e.getValue().messages()).add(e.getValue().bytes());
        }
        return JSON.writeValueAsBytes(out);
    }

    private static double fill(Usage u, Quota q) {
        return Math.max((double) u.messages() / q.maxMessages(), (double) u.bytes() / q.maxBytes());
    }

    static Map<String, Usage> decode(byte[] data) throws java.io.IOException {
        Map<String, Usage> out = new HashMap<>();
        JsonNode root = JSON.readTree(data);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), new Usage(e.getValue().get(0).asLong(), e.getValue().get(1).asLong()));
        }
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (cache != null) {
            cache.close();
        }
        if (self != null && zk.getZookeeperClient().isConnected()) {
            // Otherwise deleting would retry until ZooKeeper is back; the node goes with the session.
            try {
                self.close();
            } catch (Exception e) {
                log.warn("removing this broker's project usage", e);
            }
        }
    }
}
