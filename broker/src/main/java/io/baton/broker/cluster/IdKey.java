package io.baton.broker.cluster;

import java.security.SecureRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * The cluster's id key: 48 random bytes under the cluster root, made by the first broker that
 * starts and read by every other, so each broker encodes and decodes the ids of all
 * ({@link io.baton.broker.rpc.IdCodec}). It lives as long as the cluster: ids already handed out
 * decode only with it. With ZooKeeper credentials it is readable by the brokers alone
 * ({@link ZooKeeperAcls}).
 */
public final class IdKey {
    static final int BYTES = 48;

    private IdKey() {
    }

    public static byte[] ensure(CuratorFramework zk, ClusterPaths paths) throws Exception {
        byte[] fresh = new byte[BYTES];
        new SecureRandom().nextBytes(fresh);
        try {
            zk.create().creatingParentsIfNeeded().forPath(paths.idKey(), fresh);
        } catch (KeeperException.NodeExistsException e) {
            // made by another broker, or an earlier start: use that one
        }
        byte[] key = zk.getData().forPath(paths.idKey());
        if (key.length != BYTES) {
            throw new IllegalStateException("the id key at " + paths.idKey() + " is " + key.length + " bytes, not " + BYTES);
        }
        return key;
    }
}
