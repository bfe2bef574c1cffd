package io.baton.broker.cluster;

import io.baton.api.v1.BrokerInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds brokers that crashed before ZooKeeper does. ZooKeeper declares a broker dead only when its
 * session times out (seconds, and it must outlast the longest GC pause), but a broker whose process
 * died leaves proof behind at once: its gRPC port refuses connections (the kernel answers a
 * connection attempt to a port nobody listens on with a reset). Each broker probes the next
 * {@link #WATCHED} brokers in id order (so each is watched by that many others, whatever the
 * cluster's size) every interval; after {@code refusals} refusals in a row it removes the
 * crashed broker's ephemeral nodes (its registration and its controller-election node, the ones
 * its session owns), and the controller moves its slots as after a session expiry.
 *
 * <p>Why only refusals: a paused, starved or partitioned broker still has its port open (the
 * kernel accepts for it) or does not answer at all; neither is proof, and both are left to the
 * session timeout, so a pause never causes a take-over. A broker wrongly removed all the same (its
 * port closed while it ran on) loses nothing: Curator re-creates its registration and its election
 * node, and the new owners of its slots fence its ledgers, as after any take-over.
 *
 * <p>Threads: one scheduled thread of its own.
 */
public final class CrashWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CrashWatch.class);
    /** How many brokers each broker probes. */
    static final int WATCHED = 2;

    /** Tries a connection: whether the address refused it (nobody listens there). */
    public interface Probe {
        boolean refused(String hostPort);

        /** A TCP connection attempt, closed at once; only a refusal counts, not a timeout. */
        static Probe tcp(Duration timeout) {
            return hostPort -> {
                int colon = hostPort.lastIndexOf(':');
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                            (int) timeout.toMillis());
                    return false;
                } catch (ConnectException e) {
                    return e.getMessage() != null && e.getMessage().startsWith("Connection refused");
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            };
        }
    }

    private final CuratorFramework zk;
    private final ClusterPaths paths;
    private final String self;
    private final BrokerRegistry registry;
    private final Probe probe;
    private final Duration interval;
    private final int refusals;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            io.baton.api.DaemonThreads.named("crash-watch"));
    /** Refusals in a row (by broker id and the address that refused): how many, and since when (ms). */
    private final Map<String, long[]> refusedInARow = new HashMap<>();
    private final AtomicLong removed = new AtomicLong();

    public CrashWatch(CuratorFramework zk, ClusterPaths paths, String self, BrokerRegistry registry, Probe probe, Duration interval,
            int refusals) {
        this.zk = zk;
        this.paths = paths;
        this.self = self;
        this.registry = registry;
        this.probe = probe;
        this.interval = interval;
        this.refusals = refusals;
    }

    /** Probes every 100 ms with a 250 ms connect timeout; removes a broker after 3 refusals in a row. */
    public static CrashWatch standard(CuratorFramework zk, ClusterPaths paths, String self, BrokerRegistry registry) {
        return new CrashWatch(zk, paths, self, registry, Probe.tcp(Duration.ofMillis(250)), Duration.ofMillis(100), 3);
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::round, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Brokers this one removed as crashed (for metrics). */
    public long removed() {
        return removed.get();
    }

    /** The brokers {@code self} watches among {@code ids}: the next {@link #WATCHED} in id order, wrapping around. */
    static List<String> watched(String self, java.util.Collection<String> ids) {
        List<String> ring = new ArrayList<>(new java.util.TreeSet<>(ids));
        ring.remove(self);
        List<String> out = new ArrayList<>();
        if (ring.isEmpty()) {
            return out;
        }
        int start = 0;
        while (start < ring.size() && ring.get(start).compareTo(self) < 0) {
            start++;
        }
        for (int k = 0; k < Math.min(WATCHED, ring.size()); k++) {
            out.add(ring.get((start + k) % ring.size()));
        }
        return out;
    }

    private void round() {
        try {
            Map<String, BrokerInfo> brokers = registry.brokers();
            List<String> watched = watched(self, brokers.keySet());
            refusedInARow.keySet().retainAll(watched.stream().map(id -> id + "@" + brokers.get(id).getGrpcAddress()).toList());
            for (String id : watched) {
                BrokerInfo info = brokers.get(id);
                String key = id + "@" + info.getGrpcAddress();
                if (!probe.refused(info.getGrpcAddress())) {
                    refusedInARow.remove(key);
                    continue;
                }
                long[] streak = refusedInARow.computeIfAbsent(key, k -> new long[] {0, System.currentTimeMillis()});
                if (++streak[0] >= refusals) {
                    refusedInARow.remove(key);
                    remove(info, streak[1]);
                }
            }
        } catch (RuntimeException e) {
            log.warn("crash watch: a round failed", e);
        }
    }

    /**
     * Removes the ephemeral nodes of {@code crashed}'s session, if its registration still names the
     * address that refused and is older than the refusals (a broker that came back since, at that
     * address or another, registered anew: its node is newer).
     */
    private void remove(BrokerInfo crashed, long refusedSince) {
        String node = paths.broker(crashed.getId());
        try {
            Stat stat = new Stat();
            byte[] data = zk.getData().storingStatIn(stat).forPath(node);
            if (!BrokerInfo.parseFrom(data).getGrpcAddress().equals(crashed.getGrpcAddress()) || stat.getCtime() >= refusedSince) {
                return;
            }
            long session = stat.getEphemeralOwner();
            zk.delete().withVersion(stat.getVersion()).forPath(node);
            int elections = 0;
            List<String> candidates;
            try {
                candidates = zk.getChildren().forPath(paths.controller());
            } catch (KeeperException.NoNodeException none) {
                candidates = List.of(); // no controller elected yet
            }
            for (String child : candidates) {
                String path = paths.controller() + "/" + child;
                Stat c = zk.checkExists().forPath(path);
                if (c != null && c.getEphemeralOwner() == session) {
                    try {
                        zk.delete().withVersion(c.getVersion()).forPath(path);
                        elections++;
                    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException gone) {
                        // its session ended meanwhile
                    }
                }
            }
            removed.incrementAndGet();
            log.warn("broker {} refuses connections at {}: it crashed; removed its registration{} ahead of its ZooKeeper"
                    + " session (0x{}), so its slots move now", crashed.getId(), crashed.getGrpcAddress(),
                    elections > 0 ? " and controller candidacy" : "", Long.toHexString(session));
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException gone) {
            // gone already (its session expired, or it left), or registered again meanwhile
        } catch (Exception e) {
            log.warn("crash watch: could not remove broker {}'s registration", crashed.getId(), e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
