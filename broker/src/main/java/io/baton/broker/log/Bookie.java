package io.baton.broker.log;

import java.nio.file.Path;
import org.apache.bookkeeper.client.BookKeeperAdmin;
import org.apache.bookkeeper.conf.ServerConfiguration;
import org.apache.bookkeeper.server.EmbeddedServer;
import org.apache.bookkeeper.server.conf.BookieConfiguration;

/**
 * One BookKeeper bookie, run with BookKeeper's own server classes ({@code baton bookie}, and the
 * test fixtures). A bookie stops its JVM on internal errors, so in production it runs as a process
 * of its own, never inside a broker.
 */
public final class Bookie implements AutoCloseable {
    private final EmbeddedServer server;

    private Bookie(EmbeddedServer server) {
        this.server = server;
    }

    /** The metadata URI for a ZooKeeper connect string ("h1:p1,h2:p2"): BookKeeper separates servers with ';'. */
    public static String metadataUri(String zkConnect) {
        return "zk+hierarchical://" + zkConnect.replace(',', ';') + "/ledgers";
    }

    /** Creates the cluster's BookKeeper metadata unless it exists; true when it was created. */
    public static boolean initCluster(String metadataUri) throws Exception {
        ServerConfiguration c = new ServerConfiguration();
        c.setMetadataServiceUri(metadataUri);
        return BookKeeperAdmin.initNewCluster(c);
    }

    /** Starts a bookie on {@code port} (127.0.0.1 advertised when {@code host} is), data under {@code dir}. */
    public static Bookie start(String metadataUri, String host, int port, Path dir) throws Exception {
        ServerConfiguration c = new ServerConfiguration();
        c.setMetadataServiceUri(metadataUri);
        c.setBookiePort(port);
        c.setAllowLoopback(true);
        c.setAdvertisedAddress(host);
        c.setJournalDirName(dir.resolve("journal").toString());
        c.setLedgerDirNames(new String[] {dir.resolve("ledgers").toString()});
        c.setHttpServerEnabled(false);
        c.setAutoRecoveryDaemonEnabled(false);
        c.setProperty("journalPreAllocSizeMB", 4);
        // Flush the journal as soon as its queue empties: sub-millisecond commits at low load
        // instead of waiting out BookKeeper's 2 ms group-commit window (journalMaxGroupWaitMSec).
        c.setProperty("journalFlushWhenQueueEmpty", true);
        EmbeddedServer s = EmbeddedServer.builder(new BookieConfiguration(c)).build();
        s.getLifecycleComponentStack().start();
        return new Bookie(s);
    }

    @Override
    public void close() {
        server.getLifecycleComponentStack().close();
    }
}
