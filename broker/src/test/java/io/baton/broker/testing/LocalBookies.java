package io.baton.broker.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.baton.broker.log.Bookie;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;

/**
 * Real BookKeeper bookies in this JVM (tests only: a bookie exits the JVM on internal errors, so
 * production runs them as their own processes), on free loopback ports, with their journals and
 * ledgers under {@code dir}, registered in the ZooKeeper at {@code zkConnect}.
 */
public final class LocalBookies implements AutoCloseable {
    private final List<Bookie> bookies;
    private final List<Integer> ports;
    private final Path dir;
    private final String metadataUri;

    private LocalBookies(List<Bookie> bookies, List<Integer> ports, Path dir, String metadataUri) {
        this.bookies = bookies;
        this.ports = ports;
        this.dir = dir;
        this.metadataUri = metadataUri;
    }

    public static LocalBookies start(String zkConnect, int count, Path dir) throws Exception {
        String uri = Bookie.metadataUri(zkConnect);
        Bookie.initCluster(uri);
        List<Bookie> started = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                int port = freePort();
                started.add(Bookie.start(uri, "127.0.0.1", port, dir.resolve("bookie-" + i)));
                ports.add(port);
            }
        } catch (Exception e) {
            started.forEach(Bookie::close);
            throw e;
        }
        LocalBookies bookies = new LocalBookies(new java.util.concurrent.CopyOnWriteArrayList<>(started), ports, dir, uri);
        bookies.awaitWritable(count, Duration.ofSeconds(30));
        return bookies;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A client of these bookies (the caller closes it). No client-side rate limit. */
    public BookKeeper client() throws Exception {
        ClientConfiguration cc = new ClientConfiguration();
        cc.setMetadataServiceUri(metadataUri);
        cc.setThrottleValue(0);
        return BookKeeper.newBuilder(cc).build();
    }

    /** Waits until a ledger over {@code count} bookies can be created: they are all registered and writable. */
    private void awaitWritable(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (BookKeeper bk = client()) {
            while (true) {
                try {
                    WriteHandle w = bk.newCreateLedgerOp().withEnsembleSize(count).withWriteQuorumSize(count)
                            .withAckQuorumSize(count).withDigestType(DigestType.CRC32C).withPassword(new byte[0]).execute().get();
                    w.close();
                    bk.newDeleteLedgerOp().withLedgerId(w.getId()).execute().get();
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    /** Stops bookie {@code i} (as a crash of its process would, but cleanly closed). */
    public void stop(int i) {
        bookies.get(i).close();
    }

    /** Starts bookie {@code i} again on its port and data. */
    public void restart(int i) throws Exception {
        bookies.set(i, Bookie.start(metadataUri, "127.0.0.1", ports.get(i), dir.resolve("bookie-" + i)));
    }

    @Override
    public void close() {
        bookies.forEach(Bookie::close);
    }
}
