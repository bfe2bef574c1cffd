package io.baton.broker.cluster;

import io.baton.api.DaemonThreads;
import io.baton.broker.runtime.SeqReservations;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Slots' id reservations in ZooKeeper, one node per slot holding an 8-byte number, which only
 * grows: a write compares the node's version, so an owner that lost the slot (and still renews)
 * can never lower what its successor recorded. ZooKeeper lives outside the slots' directories (a
 * standalone's embedded one too), so restoring a slot directory from a backup leaves it alone.
 */
public final class ZkSeqReservations implements SeqReservations, AutoCloseable {
    private final CuratorFramework zk;
    private final IntFunction<String> path;
    /** Writes are blocking ZooKeeper calls: one thread keeps them off the slot lanes. */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(DaemonThreads.named("id-reservations"));

    public ZkSeqReservations(CuratorFramework zk, IntFunction<String> path) {
        this.zk = zk;
        this.path = path;
    }

    @Override
    public long reserved(int slot) throws Exception {
        try {
            return decode(zk.getData().forPath(path.apply(slot)));
        } catch (KeeperException.NoNodeException e) {
            return 0;
        }
    }

    @Override
    public CompletableFuture<Void> reserve(int slot, long upTo) {
        return CompletableFuture.runAsync(() -> {
            try {
                raise(path.apply(slot), upTo);
            } catch (Exception e) {
                throw new IllegalStateException("recording the id reservation of slot " + slot + " failed", e);
            }
        }, writer);
    }

    private void raise(String node, long upTo) throws Exception {
        while (true) {
            Stat stat = new Stat();
            long current;
            try {
                current = decode(zk.getData().storingStatIn(stat).forPath(node));
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().creatingParentsIfNeeded().forPath(node, encode(upTo));
                    return;
                } catch (KeeperException.NodeExistsException raced) {
                    continue;
                }
            }
            if (current >= upTo) {
                return;
            }
            try {
                zk.setData().withVersion(stat.getVersion()).forPath(node, encode(upTo));
                return;
            } catch (KeeperException.BadVersionException raced) {
                // another writer got in between: read again
            }
        }
    }

    private static byte[] encode(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private static long decode(byte[] bytes) {
        return bytes == null || bytes.length != 8 ? 0 : ByteBuffer.wrap(bytes).getLong();
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
