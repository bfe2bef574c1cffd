package io.baton.deploy;

import io.baton.broker.cluster.EmbeddedZooKeeper;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton zookeeper}: a single ZooKeeper server for development clusters (use a real ensemble in production). */
@Command(name = "zookeeper", description = "Run a single-node ZooKeeper server (development clusters).")
final class ZooKeeperCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "data/zookeeper", description = "Data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--port", defaultValue = "2181", description = "Client port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        EmbeddedZooKeeper zk = new EmbeddedZooKeeper(dataDir.toAbsolutePath(), "127.0.0.1", port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            zk.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.printf("baton zookeeper ready connect=%s%n", zk.connectString());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
