package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.testing.LocalBroker;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;

/**
 * A broker with ZooKeeper credentials closes its cluster's root: a ZooKeeper client without them
 * (or with a wrong password) can neither read nor rewrite the assignment, register a broker or
 * delete or re-permission the cluster state, while the broker serves. A cluster that turns credentials on closes the
 * nodes it made before.
 */
class ZooKeeperAclIT {
    private static final String CREDENTIALS = "baton:zk-password-0123456789";

    private static CuratorFramework client(String connect, String credentials) throws Exception {
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder().connectString(connect).retryPolicy(new RetryOneTime(100));
        if (credentials != null) {
            b.authorization("digest", credentials.getBytes(StandardCharsets.UTF_8));
        }
        CuratorFramework c = b.build();
        c.start();
        assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
        return c;
    }

    @Test
    void clientsWithoutTheCredentialsCannotReadOrWriteUnderTheClusterRoot() throws Exception {
        AtomicReference<String> credentials = new AtomicReference<>();
        try (LocalBroker broker = LocalBroker.start(b -> b.cluster("acl-test").zooKeeperCredentials(credentials.get()))) {
            ClusterPaths paths = new ClusterPaths("acl-test");
            try (CuratorFramework stranger = client(broker.zkConnect(), null)) {
                assertThat(stranger.getData().forPath(paths.assignment())).as("open before credentials").isNotNull();
            }
            credentials.set(CREDENTIALS);
            broker.restart();
            for (String who : new String[] {null, "baton:wrong-password-0123456789"}) {
                try (CuratorFramework stranger = client(broker.zkConnect(), who)) {
                    assertThatThrownBy(() -> stranger.getData().forPath(paths.assignment())).isInstanceOf(KeeperException.NoAuthException.class);
                    assertThatThrownBy(() -> stranger.setData().forPath(paths.assignment(), new byte[] {1}))
                            .isInstanceOf(KeeperException.NoAuthException.class);
                    assertThatThrownBy(() -> stranger.create().forPath(paths.broker("intruder"), new byte[0]))
                            .isInstanceOf(KeeperException.NoAuthException.class);
                    assertThatThrownBy(() -> stranger.delete().forPath(paths.assignment()))
                            .isInstanceOf(KeeperException.NoAuthException.class);
                    assertThatThrownBy(() -> stranger.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(paths.assignment()))
                            .isInstanceOf(KeeperException.NoAuthException.class);
                }
            }
            try (CuratorFramework peer = client(broker.zkConnect(), CREDENTIALS)) {
                assertThat(peer.getData().forPath(paths.assignment())).as("another broker of the cluster reads it").isNotNull();
            }
            // The broker itself serves on, and starts again on its closed nodes.
            broker.restart();
        }
    }
}
