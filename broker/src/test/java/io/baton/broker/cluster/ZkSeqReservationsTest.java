package io.baton.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Id reservations in a real (embedded) ZooKeeper: absent means 0, and a recorded one only ever grows. */
class ZkSeqReservationsTest {
    @TempDir
    Path dir;

    @Test
    void aReservationOnlyGrowsWhateverTheOrderOfWritesFromTwoOwners() throws Exception {
        ClusterPaths paths = new ClusterPaths("ids-test");
        try (EmbeddedZooKeeper server = new EmbeddedZooKeeper(dir.resolve("zk"), "127.0.0.1", 0);
             CuratorFramework a = CuratorFrameworkFactory.newClient(server.connectString(), new ExponentialBackoffRetry(100, 3));
             CuratorFramework b = CuratorFrameworkFactory.newClient(server.connectString(), new ExponentialBackoffRetry(100, 3));
             ZkSeqReservations oldOwner = new ZkSeqReservations(a, paths::slotIds);
             ZkSeqReservations newOwner = new ZkSeqReservations(b, paths::slotIds)) {
            a.start();
            b.start();
            assertThat(newOwner.reserved(7)).isZero();
            newOwner.reserve(7, 5_000).get();
            oldOwner.reserve(7, 3_000).get(); // an owner that lost the slot, still renewing
            assertThat(newOwner.reserved(7)).isEqualTo(5_000);
            List<CompletableFuture<Void>> racing = new ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                racing.add((i % 2 == 0 ? oldOwner : newOwner).reserve(7, 5_000 + 100L * i));
            }
            CompletableFuture.allOf(racing.toArray(CompletableFuture[]::new)).get();
            assertThat(oldOwner.reserved(7)).isEqualTo(10_000);
            assertThat(oldOwner.reserved(8)).isZero();
        }
    }
}
