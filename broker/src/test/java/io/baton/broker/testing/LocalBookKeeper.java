package io.baton.broker.testing;

import io.baton.broker.cluster.EmbeddedZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.commons.io.FileUtils;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * What a BookKeeper slot log needs, in this JVM: ZooKeeper, three bookies, a BookKeeper client
 * and a started Curator client, under a temporary directory that {@link #close} deletes.
 */
public final class LocalBookKeeper implements AutoCloseable {
    private final Path root;
    private final EmbeddedZooKeeper zookeeper;
    private final LocalBookies bookies;
    private final BookKeeper bk;
    private final CuratorFramework zk;

    private LocalBookKeeper(Path root, EmbeddedZooKeeper zookeeper, LocalBookies bookies, BookKeeper bk, CuratorFramework zk) {
        this.root = root;
        this.zookeeper = zookeeper;
        this.bookies = bookies;
        this.bk = bk;
        this.zk = zk;
    }

    public static LocalBookKeeper start(String name) throws Exception {
        Path root = Files.createTempDirectory(name);
        EmbeddedZooKeeper zookeeper = new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0);
        LocalBookies bookies = LocalBookies.start(zookeeper.connectString(), 3, root.resolve("bookies"));
        BookKeeper bk = bookies.client();
        CuratorFramework zk = CuratorFrameworkFactory.newClient(zookeeper.connectString(), new ExponentialBackoffRetry(100, 5));
        zk.start();
        return new LocalBookKeeper(root, zookeeper, bookies, bk, zk);
    }

    public BookKeeper bk() {
        return bk;
    }

    public CuratorFramework zk() {
        return zk;
    }

    public LocalBookies bookies() {
        return bookies;
    }

    public String zkConnect() {
        return zookeeper.connectString();
    }

    @Override
    public void close() throws Exception {
        zk.close();
        bk.close();
        bookies.close();
        zookeeper.close();
        FileUtils.deleteDirectory(root.toFile());
    }
}
