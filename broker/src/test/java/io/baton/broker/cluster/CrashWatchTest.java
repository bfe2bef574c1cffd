package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.baton.api.v1.BrokerInfo;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash watch against a real (embedded) ZooKeeper and real sockets: a broker whose port
 * refuses connections loses its registration and its controller candidacy while its session
 * lives on; one whose port accepts but never answers (a paused process) keeps both.
 */
class CrashWatchTest {
    @TempDir
    Path dir;

    @Test
    void eachBrokerWatchesTheNextTwoInIdOrderWrappingAround() {
        assertThat(CrashWatch.watched("b", List.of("a", "b", "c", "d"))).containsExactly("c", "d");
        assertThat(CrashWatch.watched("d", List.of("a", "b", "c", "d"))).containsExactly("a", "b");
        assertThat(CrashWatch.watched("c", List.of("a", "b", "c", "d"))).containsExactly("d", "a");
        assertThat(CrashWatch.watched("a", List.of("a", "b"))).containsExactly("b");
        assertThat(CrashWatch.watched("a", List.of("a"))).isEmpty();
    }

    private static CuratorFramework client(EmbeddedZooKeeper server) {
        // A long session: whatever happens within the test happens before it could expire.
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(server.connectString()).sessionTimeoutMs(60_000)
                .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        c.start();
        return c;
    }

    @Test
    void aBrokerWhosePortRefusesIsRemovedAheadOfItsSessionAndAPausedOneIsNot() throws Exception {
        ClusterPaths paths = new ClusterPaths("crash-watch-test");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (EmbeddedZooKeeper server = new EmbeddedZooKeeper(dir.resolve("zk"), "127.0.0.1", 0);
             CuratorFramework a = client(server);
             CuratorFramework crashed = client(server);
             CuratorFramework paused = client(server);
             ServerSocket aPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             // Listening, never accepting: the kernel completes connections for it, as for a stopped process.
             ServerSocket pausedPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             BrokerRegistry aRegistry = new BrokerRegistry(a, paths);
             BrokerRegistry pausedRegistry = new BrokerRegistry(paused, paths)) {
            // The crashed broker's nodes, as its dead process left them: owned by a session that
            // lives on (until its timeout), with nothing left to re-create them once removed.
            crashed.create().creatingParentsIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(paths.broker("b"),
                    BrokerInfo.newBuilder().setId("b").setGrpcAddress("127.0.0.1:" + closedPort).build().toByteArray());
            crashed.create().creatingParentsIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL)
                    .forPath(paths.controller() + "/_c_crashed-latch-", "b".getBytes());
            pausedRegistry.register(BrokerInfo.newBuilder().setId("c").setGrpcAddress("127.0.0.1:" + pausedPort.getLocalPort()).build());
            aRegistry.register(BrokerInfo.newBuilder().setId("a").setGrpcAddress("127.0.0.1:" + aPort.getLocalPort()).build());
            try (LeaderLatch aLatch = new LeaderLatch(a, paths.controller(), "a")) {
                aLatch.start();
                Thread.sleep(500);
                assertThat(aLatch.hasLeadership()).as("the crashed broker's candidacy comes first").isFalse();
                await().atMost(Duration.ofSeconds(10)).until(() -> aRegistry.brokers().size() == 3);
                long started = System.nanoTime();
                try (CrashWatch watch = CrashWatch.standard(a, paths, "a", aRegistry)) {
                    watch.start();
                    await().atMost(Duration.ofSeconds(10)).until(() -> !aRegistry.brokers().containsKey("b"));
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
                    assertThat(crashed.getZookeeperClient().isConnected()).as("its session still lives").isTrue();
                    await().atMost(Duration.ofSeconds(10)).until(aLatch::hasLeadership);
                    assertThat(watch.removed()).isEqualTo(1);
                    // Twenty rounds and more: the paused broker is never taken for a crashed one.
                    Thread.sleep(2_000);
                    assertThat(aRegistry.brokers()).containsKey("c");
                    assertThat(watch.removed()).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void refusalsOlderThanARegistrationDoNotRemoveIt() throws Exception {
        ClusterPaths paths = new ClusterPaths("crash-watch-newer");
        String refusing = "127.0.0.1:9";
        byte[] info = BrokerInfo.newBuilder().setId("b").setGrpcAddress(refusing).build().toByteArray();
        try (EmbeddedZooKeeper server = new EmbeddedZooKeeper(dir.resolve("zk"), "127.0.0.1", 0);
             CuratorFramework a = client(server);
             CuratorFramework b = client(server);
             ServerSocket aPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             BrokerRegistry aRegistry = new BrokerRegistry(a, paths)) {
            b.create().creatingParentsIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(paths.broker("b"), info);
            aRegistry.register(BrokerInfo.newBuilder().setId("a").setGrpcAddress("127.0.0.1:" + aPort.getLocalPort()).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> aRegistry.brokers().size() == 2);
            java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean keptAfterThird = new java.util.concurrent.atomic.AtomicBoolean();
            CrashWatch.Probe probe = address -> {
                int n = probes.incrementAndGet();
                try {
                    if (n == 2) {
                        // The broker came back at the same address in the middle of the streak.
                        b.delete().forPath(paths.broker("b"));
                        b.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath(paths.broker("b"), info);
                    } else if (n == 4) {
                        keptAfterThird.set(b.checkExists().forPath(paths.broker("b")) != null);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return address.equals(refusing);
            };
            try (CrashWatch watch = new CrashWatch(a, paths, "a", aRegistry, probe, Duration.ofMillis(300), 3)) {
                watch.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> watch.removed() == 1);
                assertThat(keptAfterThird).as("three refusals, the first of them older than the registration").isTrue();
                assertThat(probes.get()).as("removed by a streak that began after it registered").isGreaterThanOrEqualTo(6);
            }
        }
    }
}
