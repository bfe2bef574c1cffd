package io.baton.broker.cluster;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A single ZooKeeper server in this process, built from ZooKeeper's own server classes: standalone
 * mode's coordinator and the tests' real ZooKeeper. Data is kept under {@code dataDir}, so a
 * restarted standalone finds its assignment again.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private final ZooKeeperServer server;
    private final ServerCnxnFactory factory;

    public EmbeddedZooKeeper(Path dataDir, String host, int port) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        File dir = dataDir.toFile();
        server = new ZooKeeperServer(dir, dir, 500);
        factory = ServerCnxnFactory.createFactory(new InetSocketAddress(host, port), 256);
        factory.startup(server);
    }

    public int port() {
        return factory.getLocalPort();
    }

    public String connectString() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        factory.shutdown();
        server.shutdown();
    }
}
