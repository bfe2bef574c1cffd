package io.baton.broker.bench;

import io.baton.broker.cluster.EmbeddedZooKeeper;
import io.baton.broker.log.BookKeeperSlotLog;
import io.baton.broker.log.SlotLog;
import io.baton.broker.testing.LocalBookies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.commons.io.FileUtils;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * How fast a new owner replays a BookKeeper slot log: one JVM, ZooKeeper and 3 bookies in
 * process, {@code records} records of {@code size} bytes appended by one owner, then taken over
 * (fencing) and replayed by the next, {@code rounds} times (the first ones warm the JIT up).
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="--add-opens java.base/java.io=ALL-UNNAMED -cp %classpath io.baton.broker.bench.LedgerReplayBench 20000 300 5"}
 */
public final class LedgerReplayBench {
    public static void main(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path root = Files.createTempDirectory("baton-replay");
        try (EmbeddedZooKeeper zookeeper = new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0);
             LocalBookies bookies = LocalBookies.start(zookeeper.connectString(), 3, root.resolve("bookies"));
             BookKeeper bk = bookies.client();
             CuratorFramework zk = CuratorFrameworkFactory.newClient(zookeeper.connectString(), new ExponentialBackoffRetry(100, 5))) {
            zk.start();
            byte[] record = new byte[size];
            for (int round = 0; round < rounds; round++) {
                String path = "/bench/replay-" + round;
                SlotLog writer = BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT);
                List<CompletableFuture<Long>> acks = new ArrayList<>();
                long w0 = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    acks.add(writer.append(record));
                    if (acks.size() >= 1000) {
                        acks.remove(0).join();
                    }
                }
                acks.forEach(CompletableFuture::join);
                double writeSeconds = (System.nanoTime() - w0) / 1e9;
                long t0 = System.nanoTime();
                try (SlotLog next = BookKeeperSlotLog.open(bk, zk, path, 2, BookKeeperSlotLog.Replication.DEFAULT)) {
                    long opened = System.nanoTime();
                    long[] n = {0};
                    next.replay(new SlotLog.Replayer() {
                        @Override
                        public void snapshot(long position, java.io.InputStream snapshot) {}

                        @Override
                        public void record(long position, long address, byte[] bytes) {
                            n[0]++;
                        }
                    });
                    long done = System.nanoTime();
                    System.out.printf("round %d: wrote %d x %d B in %.2f s; take-over (fence + new ledger) %.0f ms, replay %d records in %.0f ms = %.0f records/s%n",
                            round, records, size, writeSeconds, (opened - t0) / 1e6, n[0], (done - opened) / 1e6,
                            n[0] / ((done - opened) / 1e9));
                }
                writer.close();
            }
        } finally {
            FileUtils.deleteDirectory(root.toFile());
        }
    }
}
