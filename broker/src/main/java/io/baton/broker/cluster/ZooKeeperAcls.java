package io.baton.broker.cluster;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A closed cluster root: with ZooKeeper credentials (digest {@code user:password}, the same for
 * every broker of a cluster), every znode under the cluster's root belongs to that identity alone
 * ({@link ZooDefs.Ids#CREATOR_ALL_ACL}): no other ZooKeeper client can read, rewrite assignments,
 * register a broker or touch slot log metadata. Ancestors of the root stay open, so clusters with
 * different credentials can share an ensemble.
 */
public final class ZooKeeperAcls {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperAcls.class);

    private ZooKeeperAcls() {
    }

    /** ACLs for nodes Curator creates: owned under {@code root}, open above it. */
    public static ACLProvider ownedUnder(String root) {
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return ZooDefs.Ids.CREATOR_ALL_ACL;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return path.equals(root) || path.startsWith(root + "/") ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
            }
        };
    }

    /**
     * Closes nodes under {@code root} made before credentials were configured (a cluster that turns
     * them on): each open one gets the owner-only ACL. Nodes that vanish meanwhile are skipped.
     */
    public static int closeExisting(CuratorFramework zk, String root) throws Exception {
        if (zk.checkExists().forPath(root) == null) {
            return 0;
        }
        int changed = 0;
        Deque<String> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            String path = todo.pop();
            try {
                List<ACL> acl = zk.getACL().forPath(path);
                if (acl.stream().anyMatch(a -> a.getId().getScheme().equals("world"))) {
                    zk.setACL().withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath(path);
                    changed++;
                }
                for (String child : zk.getChildren().forPath(path)) {
                    todo.push(path + "/" + child);
                }
            } catch (KeeperException.NoNodeException gone) {
                // an ephemeral node or a slot moved meanwhile
            }
        }
        if (changed > 0) {
            log.info("closed {} open znodes under {} to this cluster's ZooKeeper identity", changed, root);
        }
        return changed;
    }
}
