package io.baton.broker.log;

import java.io.IOException;
import java.util.function.IntFunction;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.apache.curator.framework.CuratorFramework;

/** Slot logs in BookKeeper: one client per broker; each slot's metadata at {@code pathOf(slot)}. */
public final class BookKeeperSlotLogFactory implements SlotLogFactory {
    private final BookKeeper bk;
    private final CuratorFramework zk;
    private final IntFunction<String> pathOf;
    private final BookKeeperSlotLog.Replication replication;
    private final BookKeeperSlotLog.Batching batching;
    private final LedgerEvents events;
    private final LedgerPasswords passwords;

    public BookKeeperSlotLogFactory(String metadataUri, CuratorFramework zk, IntFunction<String> pathOf,
            BookKeeperSlotLog.Replication replication, BookKeeperSlotLog.Batching batching, LedgerEvents events,
            LedgerPasswords passwords) throws IOException {
        this.passwords = passwords;
        ClientConfiguration cc = new ClientConfiguration();
        cc.setMetadataServiceUri(metadataUri);
        cc.setThrottleValue(0); // the default (5,000/s per ledger) would cap every slot
        int clientThreads = clientThreads(Runtime.getRuntime().availableProcessors());
        cc.setNumIOThreads(clientThreads);
        cc.setNumWorkerThreads(clientThreads);
        try {
            this.bk = BookKeeper.newBuilder(cc).build();
        } catch (Exception e) {
            throw new IOException("cannot connect to BookKeeper at " + metadataUri, e);
        }
        this.zk = zk;
        this.pathOf = pathOf;
        this.replication = replication;
        this.batching = batching;
        this.events = events;
    }

    /**
     * Threads for the client's connections to bookies, and as many for completing entries: one per
     * four cores. BookKeeper's defaults (two per core, and one per core) suit a process that does
     * little else; a broker's entries are few and large (batches of records), and on a small machine
     * every extra thread that wakes for them takes the CPU from the slot and gRPC threads.
     */
    static int clientThreads(int cores) {
        return Math.max(1, cores / 4);
    }

    @Override
    public SlotLog open(int slot, long epoch) throws IOException {
        return BookKeeperSlotLog.open(bk, zk, pathOf.apply(slot), epoch, replication, batching, events, passwords);
    }

    @Override
    public String kind() {
        return "bookkeeper";
    }

    /** Read from the bookies' registrations in ZooKeeper, waiting at most a second. */
    @Override
    public int writableBookies() {
        try {
            return ((org.apache.bookkeeper.client.BookKeeper) bk).getMetadataClientDriver().getRegistrationClient()
                    .getWritableBookies().get(1, java.util.concurrent.TimeUnit.SECONDS).getValue().size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception | LinkageError e) {
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            bk.close();
        } catch (Exception e) {
            // closing
        }
    }
}
