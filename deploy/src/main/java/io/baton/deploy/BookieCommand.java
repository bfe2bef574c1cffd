package io.baton.deploy;

import io.baton.broker.log.Bookie;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton bookie}: one BookKeeper bookie (BookKeeper's own server classes) for the cluster's slot logs. */
@Command(name = "bookie", description = "Run a BookKeeper bookie that stores cluster slot logs.")
final class BookieCommand implements Callable<Integer> {
    @Option(names = "--zookeeper", required = true, description = "ZooKeeper connect string host:port[,host:port...].")
    String zookeeper;

    @Option(names = "--port", defaultValue = "3181", description = "Bookie port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to advertise (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--data-dir", defaultValue = "data/bookie", description = "Journal and ledger directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        String uri = Bookie.metadataUri(zookeeper);
        Bookie.initCluster(uri); // idempotent: the first bookie of a cluster creates its metadata
        Bookie bookie = Bookie.start(uri, host, port, dataDir.toAbsolutePath());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bookie.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.printf("baton bookie ready address=%s:%d metadata=%s%n", host, port, uri);
        System.out.flush();
        stopped.await();
        return 0;
    }
}
