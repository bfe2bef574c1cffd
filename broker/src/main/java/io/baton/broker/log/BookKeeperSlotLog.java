package io.baton.broker.log;

import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.v1.EntryFormat;
import io.baton.api.v1.LedgerRange;
import io.baton.api.v1.SlotLogMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot log replicated in Apache BookKeeper (the cluster mode's log), the Pulsar way: the owner
 * appends to a ledger of its own; a new owner opens the previous owner's last ledger with recovery,
 * which fences it (the old owner's next append fails, so two owners can never both write), reads
 * up to its last confirmed entry, then starts its own ledger. The list of ledgers and the latest
 * snapshot live in one ZooKeeper node per slot ({@link SlotLogMetadata}), changed only by
 * versioned compare-and-set: a writer whose CAS fails has lost the slot.
 *
 * <p>An append is durable once the ack quorum of bookies has it in their journals. Records that
 * arrive while {@link Batching#entriesInFlight} entries are unacknowledged wait, and go out together
 * as one entry when one of those completes (group commit, as the file journal does): a bookie's
 * cost is mostly per entry, so a busy slot sends few, large entries, and a lone record goes out at
 * once. Checkpoints write the snapshot into a ledger of its own (in chunks) and drop the ledgers it
 * covers.
 *
 * <p>Addresses: a record's address is the number of the entry holding it, counted from its
 * ledger's first position (an entry holds at least one record, so these never reach the next
 * ledger's), shifted left by {@link #ADDRESS_SHIFT}, plus the offset of its first byte in the entry.
 *
 * <p>Threads: {@link #append} from any thread (serialized here so positions follow call order);
 * entries complete on BookKeeper's thread for the ledger, in entry order; checkpoint and close
 * from the slot thread.
 */
public final class BookKeeperSlotLog implements SlotLog {
    private static final Logger log = LoggerFactory.getLogger(BookKeeperSlotLog.class);
    private static final int SNAPSHOT_CHUNK = 1 << 20;
    private static final long TIMEOUT_SECONDS = 30;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;
    /** Entries per read during replay, and how many reads run ahead of the one being applied. */
    private static final int READ_BATCH = 500;
    private static final int READ_AHEAD = 4;
    /** What a bookie stores per entry besides its bytes (ledger id, entry id, length, CRC32C digest): an estimate. */
    private static final int ENTRY_OVERHEAD = 28;
    /**
     * A record's address is its position shifted left by this much, plus the byte's offset in the
     * entry: records stay under 16 MiB (BookKeeper's own frame limit is lower still).
     */
    static final int ADDRESS_SHIFT = 24;
    private static final long OFFSET_MASK = (1L << ADDRESS_SHIFT) - 1;

    /** Ensemble, write quorum and ack quorum of new ledgers. */
    public record Replication(int ensemble, int writeQuorum, int ackQuorum) {
        public static final Replication DEFAULT = new Replication(3, 2, 2);
    }

    /**
     * How records go into entries: up to {@code maxEntryBytes} of records per entry (a larger record
     * goes alone), and new records wait while {@code entriesInFlight} entries are unacknowledged.
     * {@link #SINGLE} writes one record per entry, as brokers before batching did; their ledgers
     * stay readable either way, and a rolling upgrade keeps it until every broker reads batches.
     */
    public record Batching(int maxEntryBytes, int entriesInFlight) {
        public static final Batching DEFAULT = new Batching(1 << 20, 2);
        public static final Batching SINGLE = new Batching(0, Integer.MAX_VALUE);
        public static final int MAX_ENTRY_BYTES = 4 << 20;

        public Batching {
            if (maxEntryBytes < 0 || maxEntryBytes > MAX_ENTRY_BYTES || entriesInFlight < 1) {
                throw new IllegalArgumentException("entries of 0 to 4 MiB, at least one in flight: " + maxEntryBytes
                        + " bytes, " + entriesInFlight + " in flight");
            }
        }

        /** Entries of up to {@code bytes} (0: {@link #SINGLE}), as many in flight as by default. */
        public static Batching forEntryBytes(int bytes) {
            return bytes == 0 ? SINGLE : new Batching(bytes, DEFAULT.entriesInFlight());
        }

        boolean batches() {
            return maxEntryBytes > 0;
        }
    }

    private final BookKeeper bk;
    private final LedgerPasswords passwords;
    private final CuratorFramework zk;
    private final String path;
    private final Replication replication;
    private final Batching batching;
    private final LedgerEvents events;

    // Guarded by "this".
    private SlotLogMetadata metadata;
    private int metadataVersion;
    private WriteHandle writer;
    private long writerFirst;
    /** Entries sealed for the writer's ledger: the id the next one gets. */
    private long entriesSealed;
    /** Entries sealed and not yet acknowledged (waiting in {@link #toSend} or in flight). */
    private int entriesOutstanding;
    /** Records waiting to go out as the writer's next entry. */
    private final EntryBatch batch = new EntryBatch();
    /** Sealed entries, in id order, not yet handed to BookKeeper (see {@link #drain}). */
    private final java.util.ArrayDeque<Outgoing> toSend = new java.util.ArrayDeque<>();
    /** Set while one thread hands {@link #toSend} to BookKeeper. */
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    /** A checkpoint is moving to a new ledger: appends wait. */
    private boolean switching;
    private long lastPosition;
    private long bytesSinceCheckpoint;
    /** Bytes appended to the current writer's ledger (an estimate, as bytesSinceCheckpoint is). */
    private long writerBytes;
    /** Bytes of bodies appended to the current writer's ledger (see {@link SlotLog#appendLocated}). */
    private long writerBodyBytes;
    /**
     * Bytes of bodies in the ledgers this process wrote and closed, by ledger id; a ledger it did
     * not write (found at open) is judged by its whole length.
     */
    private final java.util.Map<Long, Long> bodyBytesByLedger = new java.util.concurrent.ConcurrentHashMap<>();
    private CompletableFuture<Long> lastAppend = CompletableFuture.completedFuture(-1L);
    private Throwable failure;
    /** Handles for reading message bodies back from ledgers other than the open one. */
    private final java.util.concurrent.ConcurrentHashMap<Long, ReadHandle> readers = new java.util.concurrent.ConcurrentHashMap<>();

    private BookKeeperSlotLog(BookKeeper bk, CuratorFramework zk, String path, Replication replication, Batching batching,
                              LedgerEvents events, LedgerPasswords passwords) {
        this.bk = bk;
        this.passwords = passwords;
        this.zk = zk;
        this.path = path;
        this.replication = replication;
        this.batching = batching;
        this.events = events;
    }

    /**
     * Takes over the slot log at {@code path} for {@code epoch}: fences the previous writer,
     * recovers the end of the log and starts a new ledger. Fails if a newer epoch already opened it.
     */
    public static BookKeeperSlotLog open(BookKeeper bk, CuratorFramework zk, String path, long epoch, Replication replication)
            throws IOException {
        return open(bk, zk, path, epoch, replication, LedgerEvents.NONE);
    }

    /** As {@link #open(BookKeeper, CuratorFramework, String, long, Replication)}, telling {@code events} what happens. */
    public static BookKeeperSlotLog open(BookKeeper bk, CuratorFramework zk, String path, long epoch, Replication replication,
            LedgerEvents events) throws IOException {
        return open(bk, zk, path, epoch, replication, events, LedgerPasswords.DEFAULT);
    }

    /** As above, with ledgers made and opened with {@code passwords}. */
    public static BookKeeperSlotLog open(BookKeeper bk, CuratorFramework zk, String path, long epoch, Replication replication,
            LedgerEvents events, LedgerPasswords passwords) throws IOException {
        return open(bk, zk, path, epoch, replication, Batching.DEFAULT, events, passwords);
    }

    /** As above, writing entries as {@code batching} says. */
    public static BookKeeperSlotLog open(BookKeeper bk, CuratorFramework zk, String path, long epoch, Replication replication,
            Batching batching, LedgerEvents events, LedgerPasswords passwords) throws IOException {
        BookKeeperSlotLog l = new BookKeeperSlotLog(bk, zk, path, replication, batching, events, passwords);
        for (int attempt = 1; ; attempt++) {
            try {
                l.takeOver(epoch);
                return l;
            } catch (Raced e) {
                // Another owner (an older epoch still catching up, or ours racing) changed the node
                // between our read and our CAS: read again. An older writer is fenced on the retry.
                if (attempt >= 10) {
                    throw new SlotLogException("slot log " + path + " kept changing while epoch " + epoch + " took it over", e);
                }
            }
        }
    }

    /** The metadata changed between read and compare-and-set during a take-over. */
    private static final class Raced extends IOException {
        Raced(Throwable cause) {
            super(cause);
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws IOException {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("BookKeeper did not answer in " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Opens ledger {@code id} (with {@code recovery}: fencing its writer) with whichever accepted
     * password it was created with; the bookies and the ledger's metadata refuse the others.
     */
    private ReadHandle openLedger(long id, boolean recovery) throws IOException {
        IOException refused = null;
        for (byte[] password : passwords.accepted()) {
            try {
                return await(bk.newOpenLedgerOp().withLedgerId(id).withRecovery(recovery)
                        .withDigestType(DigestType.CRC32C).withPassword(password).execute());
            } catch (IOException e) {
                if (!(e.getCause() instanceof org.apache.bookkeeper.client.api.BKException bk)
                        || bk.getCode() != org.apache.bookkeeper.client.api.BKException.Code.UnauthorizedAccessException) {
                    throw e;
                }
                refused = e;
            }
        }
        throw new SlotLogException("ledger " + id + " of " + path + " was created with a password this broker does not have"
                + " (--bookkeeper-password-file)", refused);
    }

    private void readMetadata() throws IOException {
        try {
            Stat stat = new Stat();
            byte[] bytes;
            try {
                bytes = zk.getData().storingStatIn(stat).forPath(path);
            } catch (KeeperException.NoNodeException e) {
                try {
                    zk.create().creatingParentsIfNeeded().forPath(path, SlotLogMetadata.getDefaultInstance().toByteArray());
                } catch (KeeperException.NodeExistsException raced) {
                    // another owner created it first: read theirs
                }
                bytes = zk.getData().storingStatIn(stat).forPath(path);
            }
            metadata = SlotLogMetadata.parseFrom(bytes);
            metadataVersion = stat.getVersion();
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("corrupt slot log metadata at " + path, e);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read slot log metadata at " + path, e);
        }
    }

    /** Compare-and-set of the metadata; a failure means another owner changed it: this one lost the slot. */
    private void writeMetadata(SlotLogMetadata next) throws IOException {
        try {
            Stat stat = zk.setData().withVersion(metadataVersion).forPath(path, next.toByteArray());
            metadata = next;
            metadataVersion = stat.getVersion();
        } catch (KeeperException.BadVersionException e) {
            throw new SlotLogException("slot log " + path + " was taken over by another owner", e);
        } catch (Exception e) {
            throw new IOException("cannot write slot log metadata at " + path, e);
        }
    }

    private synchronized void takeOver(long epoch) throws IOException {
        readMetadata();
        if (metadata.getEpoch() > epoch) {
            throw new SlotLogException("slot log " + path + " is owned by epoch " + metadata.getEpoch() + ", not " + epoch, null);
        }
        List<LedgerRange> ledgers = new ArrayList<>(metadata.getLedgersList());
        // The end of the log: the snapshot's position, or the last record of the last ledger.
        long end = metadata.getSnapshotLedger() == 0 ? -1 : metadata.getSnapshotPosition();
        List<Long> emptyToDelete = new ArrayList<>();
        if (!ledgers.isEmpty()) {
            LedgerRange last = ledgers.get(ledgers.size() - 1);
            boolean leftOpen = !await(bk.getLedgerMetadata(last.getLedgerId())).isClosed();
            // Recovery fences the previous writer: from now on its appends fail.
            try (ReadHandle rh = openLedger(last.getLedgerId(), true)) {
                long lac = rh.getLastAddConfirmed();
                // A ledger starts right after the previous end, so an empty one ends there too.
                end = lac < 0 ? last.getFirstPosition() - 1 : lastPositionIn(last, rh, lac);
                if (lac < 0) {
                    ledgers.remove(ledgers.size() - 1); // an owner that wrote nothing: forget its ledger
                    emptyToDelete.add(last.getLedgerId());
                }
                bytesSinceCheckpoint = rh.getLength();
                if (leftOpen) {
                    events.fencedPreviousOwner();
                }
            } catch (Exception e) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }
        WriteHandle w = createLedger();
        ledgers.add(newRange(w, end + 1));
        try {
            writeMetadata(metadata.toBuilder().setEpoch(epoch).clearLedgers().addAllLedgers(ledgers).build());
        } catch (IOException | RuntimeException e) {
            w.closeAsync();
            bk.newDeleteLedgerOp().withLedgerId(w.getId()).execute();
            if (e instanceof SlotLogException && e.getCause() instanceof KeeperException.BadVersionException) {
                throw new Raced(e);
            }
            throw e;
        }
        for (long id : emptyToDelete) {
            bk.newDeleteLedgerOp().withLedgerId(id).execute();
        }
        writer = w;
        writerFirst = end + 1;
        entriesSealed = 0;
        lastPosition = end;
    }

    private String where(LedgerRange range, long entry) {
        return path + ": entry " + entry + " of ledger " + range.getLedgerId();
    }

    private WriteHandle createLedger() throws IOException {
        return await(bk.newCreateLedgerOp().withEnsembleSize(replication.ensemble())
                .withWriteQuorumSize(replication.writeQuorum()).withAckQuorumSize(replication.ackQuorum())
                .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
    }

    private LedgerRange newRange(WriteHandle w, long firstPosition) {
        return LedgerRange.newBuilder().setLedgerId(w.getId()).setFirstPosition(firstPosition)
                .setEntryFormat(batching.batches() ? EntryFormat.ENTRY_FORMAT_BATCH : EntryFormat.ENTRY_FORMAT_SINGLE).build();
    }

    /** The position of the last record in {@code range}'s ledger, whose last entry is {@code lac}. */
    private long lastPositionIn(LedgerRange range, ReadHandle rh, long lac) throws Exception {
        if (range.getEntryFormat() != EntryFormat.ENTRY_FORMAT_BATCH) {
            return range.getFirstPosition() + lac;
        }
        try (LedgerEntries entries = await(rh.readAsync(lac, lac))) {
            EntryBatch.Header h = EntryBatch.header(entries.getEntry(lac).getEntryBytes(), where(range, lac));
            return h.firstPosition() + h.count() - 1;
        }
    }

    @Override
    public Appended appendLocated(byte[] record, int bodyBytes) {
        if (record.length > OFFSET_MASK - EntryBatch.HEADER - EntryBatch.RECORD_HEADER) {
            return new Appended(-1, CompletableFuture.failedFuture(
                    new IllegalArgumentException("record of " + record.length + " bytes")));
        }
        Appended appended;
        synchronized (this) {
            while (switching) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Appended(-1, CompletableFuture.failedFuture(new SlotLogException("interrupted", e)));
                }
            }
            long entry = writerFirst + entriesSealed;
            if (failure != null) {
                return new Appended(entry << ADDRESS_SHIFT, CompletableFuture.failedFuture(failure));
            }
            long position = ++lastPosition;
            writerBodyBytes += Rewriting.mayStayLive(record.length, bodyBytes);
            CompletableFuture<Long> durable = new CompletableFuture<>();
            if (!batching.batches()) {
                appended = new Appended(entry << ADDRESS_SHIFT, durable);
                seal(new EntryBatch.Sealed(record, position, List.of(durable)), record.length);
            } else {
                if (!batch.fits(record.length, batching.maxEntryBytes())) {
                    sealBatch();
                    entry++;
                }
                appended = new Appended((entry << ADDRESS_SHIFT) + batch.add(position, record, durable), durable);
                bytesSinceCheckpoint += record.length + EntryBatch.RECORD_HEADER;
                writerBytes += record.length + EntryBatch.RECORD_HEADER;
                if (entriesOutstanding < batching.entriesInFlight()) {
                    sealBatch();
                }
            }
            lastAppend = durable;
        }
        drain();
        return appended;
    }

    /** An entry sealed for the writer's ledger, with the id it must get. */
    private record Outgoing(WriteHandle ledger, long entryId, EntryBatch.Sealed sealed) {}

    /** Seals the waiting records as the writer's next entry. */
    private void sealBatch() {
        seal(batch.seal(), EntryBatch.HEADER);
    }

    private void seal(EntryBatch.Sealed sealed, int headerBytes) {
        toSend.add(new Outgoing(writer, entriesSealed++, sealed));
        entriesOutstanding++;
        bytesSinceCheckpoint += ENTRY_OVERHEAD + headerBytes;
        writerBytes += ENTRY_OVERHEAD + headerBytes;
    }

    /**
     * Hands sealed entries to BookKeeper, in order, from whichever thread gets here first; never
     * under this log's monitor: BookKeeper calls {@link #entryDone} holding locks of its own, and
     * that takes the monitor, so calling BookKeeper while holding it could deadlock.
     */
    private void drain() {
        while (draining.compareAndSet(false, true)) {
            try {
                while (true) {
                    Outgoing o;
                    synchronized (this) {
                        o = toSend.poll();
                    }
                    if (o == null) {
                        break;
                    }
                    long sent = System.nanoTime();
                    o.ledger().appendAsync(o.sealed().entry()).whenComplete((id, e) -> entryDone(o, sent, id, e));
                }
            } finally {
                draining.set(false);
            }
            synchronized (this) {
                if (toSend.isEmpty()) {
                    return; // else another thread sealed one after the poll above and left it to us
                }
            }
        }
    }

    /**
     * An entry was acknowledged (or failed): on BookKeeper's thread for the ledger, in entry order.
     * The next batch goes out before the records are answered, so the bookies are busy meanwhile.
     */
    private void entryDone(Outgoing o, long sent, Long id, Throwable e) {
        Throwable error = e;
        if (error == null && id != o.entryId()) {
            error = new IllegalStateException("entry " + id + " landed where entry " + o.entryId() + " was expected");
        }
        synchronized (this) {
            entriesOutstanding--;
            if (error != null) {
                fail(error);
            } else if (!switching && !batch.isEmpty() && entriesOutstanding < batching.entriesInFlight()) {
                sealBatch();
            }
        }
        drain();
        List<CompletableFuture<Long>> durable = o.sealed().futures();
        if (error == null) {
            events.added(System.nanoTime() - sent, durable.size());
            long first = o.sealed().firstPosition();
            for (int i = 0; i < durable.size(); i++) {
                durable.get(i).complete(first + i);
            }
        } else {
            SlotLogException failed = new SlotLogException(
                    "could not append to slot log " + path + " (fenced by a new owner, or bookies lost)", error);
            durable.forEach(f -> f.completeExceptionally(failed));
        }
    }

    private synchronized void fail(Throwable e) {
        if (failure == null) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof org.apache.bookkeeper.client.api.BKException bke
                    && bke.getCode() == org.apache.bookkeeper.client.api.BKException.Code.LedgerFencedException) {
                events.fencedHere();
            }
            failure = new SlotLogException("slot log " + path + " failed", e);
            log.warn("{}: appends failed; the slot must stop serving: {}", path, e.toString());
        }
        // Records still waiting for an entry, or in one not yet handed over, are never sent now.
        List<CompletableFuture<Long>> unsent = new ArrayList<>(batch.drop());
        for (Outgoing o; (o = toSend.poll()) != null; ) {
            unsent.addAll(o.sealed().futures());
            entriesOutstanding--;
        }
        unsent.forEach(f -> f.completeExceptionally(failure));
    }

    @Override
    public synchronized CompletableFuture<Void> sync() {
        return lastAppend.thenApply(p -> null);
    }

    @Override
    public synchronized long lastPosition() {
        return lastPosition;
    }

    @Override
    public void read(long address, byte[] into, int offset, int length) throws IOException {
        // The entry's number counted from its ledger's first position (see the class comment).
        long numbered = address >>> ADDRESS_SHIFT;
        int at = (int) (address & OFFSET_MASK);
        LedgerRange range = null;
        WriteHandle open;
        synchronized (this) {
            for (LedgerRange r : metadata.getLedgersList()) {
                if (r.getFirstPosition() <= numbered) {
                    range = r;
                }
            }
            open = writer;
        }
        if (range == null) {
            throw new LogCorruptedException(path + ": no ledger holds address " + address);
        }
        long entry = numbered - range.getFirstPosition();
        try {
            byte[] bytes;
            if (open != null && range.getLedgerId() == open.getId()) {
                try (LedgerEntries e = await(open.readUnconfirmedAsync(entry, entry))) {
                    bytes = e.getEntry(entry).getEntryBytes();
                }
            } else {
                long id = range.getLedgerId();
                ReadHandle rh = readers.get(id);
                if (rh == null) {
                    rh = await(bk.newOpenLedgerOp().withLedgerId(id).withRecovery(false)
                            .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
                    ReadHandle raced = readers.putIfAbsent(id, rh);
                    if (raced != null) {
                        rh.closeAsync();
                        rh = raced;
                    }
                }
                try (LedgerEntries e = await(rh.readAsync(entry, entry))) {
                    bytes = e.getEntry(entry).getEntryBytes();
                }
            }
            if (at + length > bytes.length) {
                throw new LogCorruptedException(where(range, entry) + " holds " + bytes.length + " bytes, not " + (at + length));
            }
            System.arraycopy(bytes, at, into, offset, length);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(where(range, entry) + ": reading " + length + " bytes at " + at, e);
        }
    }

    @Override
    public void replay(Replayer replayer) throws IOException {
        SlotLogMetadata md;
        long writerId;
        synchronized (this) {
            md = metadata;
            writerId = writer.getId();
        }
        long from = -1;
        if (md.getSnapshotLedger() != 0) {
            try (ReadHandle rh = await(bk.newOpenLedgerOp().withLedgerId(md.getSnapshotLedger()).withRecovery(false)
                    .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
                 LedgerInput in = new LedgerInput(rh)) {
                // Entries carry BookKeeper's own CRC32C: a damaged one fails the read.
                replayer.snapshot(md.getSnapshotPosition(), in);
                in.drain();
                if (in.count() != md.getSnapshotBytes()) {
                    throw new LogCorruptedException("snapshot ledger " + md.getSnapshotLedger() + " of " + path + " holds "
                            + in.count() + " bytes; the metadata says " + md.getSnapshotBytes());
                }
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
            from = md.getSnapshotPosition();
        }
        List<LedgerRange> ranges = md.getLedgersList();
        for (int i = 0; i < ranges.size(); i++) {
            LedgerRange range = ranges.get(i);
            long lastInRange = i + 1 < ranges.size() ? ranges.get(i + 1).getFirstPosition() - 1 : Long.MAX_VALUE;
            if (range.getLedgerId() == writerId || lastInRange <= from) {
                continue; // ours (nothing in it that replay has not seen), or covered by the snapshot
            }
            long skipTo = from;
            long first = range.getFirstPosition();
            try (ReadHandle rh = openLedger(range.getLedgerId(), false)) {
                if (range.getEntryFormat() == EntryFormat.ENTRY_FORMAT_BATCH) {
                    // Which entry holds a position is in the entries only: read the ledger from its start.
                    long[] expected = {first};
                    readEntries(rh, 0, (entryId, bytes) -> expected[0] = EntryBatch.read(bytes, expected[0], where(range, entryId),
                            (p, offset, record) -> {
                                if (p > skipTo) {
                                    replayer.record(p, ((first + entryId) << ADDRESS_SHIFT) + offset, record);
                                }
                            }));
                } else {
                    readEntries(rh, Math.max(0, from + 1 - first), (entryId, bytes) ->
                            replayer.record(first + entryId, (first + entryId) << ADDRESS_SHIFT, bytes));
                }
            } catch (Exception e) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }
    }

    /** Receives a ledger's entries in order. */
    private interface Entries {
        void entry(long entryId, byte[] bytes) throws IOException;
    }

    /**
     * Reads the entries of {@code rh} from {@code start} to its last confirmed one. Reads run
     * {@link #READ_AHEAD} batches ahead of {@code entries}, so that the bookies' round trips overlap
     * with applying the records (a take-over's replay time is failover time).
     */
    private static void readEntries(ReadHandle rh, long start, Entries entries) throws IOException {
        long lac = rh.getLastAddConfirmed();
        java.util.ArrayDeque<CompletableFuture<LedgerEntries>> ahead = new java.util.ArrayDeque<>();
        long next = start;
        try {
            while (next <= lac || !ahead.isEmpty()) {
                while (next <= lac && ahead.size() < READ_AHEAD) {
                    ahead.add(rh.readAsync(next, Math.min(lac, next + READ_BATCH - 1)));
                    next += READ_BATCH;
                }
                try (LedgerEntries read = await(ahead.poll())) {
                    for (LedgerEntry entry : read) {
                        entries.entry(entry.getEntryId(), entry.getEntryBytes());
                    }
                }
            }
        } finally {
            ahead.forEach(f -> f.thenAccept(LedgerEntries::close));
        }
    }

    @Override
    public List<AddressRange> checkpoint(long position, SnapshotWriter snapshot) throws IOException {
        long[] starts;
        synchronized (this) {
            starts = metadata.getLedgersList().stream().mapToLong(r -> r.getFirstPosition() << ADDRESS_SHIFT).toArray();
        }
        LiveCounter live = new LiveCounter(starts);
        WriteHandle sw = createLedger();
        long snapshotBytes;
        try (LedgerOutput out = new LedgerOutput(sw)) {
            snapshot.writeTo(out, live);
            out.finish();
            snapshotBytes = out.count();
            await(sw.closeAsync());
        } catch (IOException | RuntimeException e) {
            bk.newDeleteLedgerOp().withLedgerId(sw.getId()).execute();
            throw e;
        }
        List<Long> toDelete = new ArrayList<>();
        /** Covered ledgers kept for live bytes: id, address range, live bytes. */
        List<long[]> keptForLive = new ArrayList<>();
        // Start a fresh ledger at every checkpoint, so the ledger written so far can go as soon as a
        // checkpoint covers it. The snapshot is taken on the slot thread and written here while
        // appends go on, so the open ledger usually holds records past it: those ledgers stay (and
        // their bytes are counted) until the next checkpoint. Appends wait while the writer
        // changes: what was appended goes out and is acknowledged in the old ledger first.
        CompletableFuture<Long> drained;
        synchronized (this) {
            switching = true;
            if (!batch.isEmpty()) {
                sealBatch();
            }
            drained = lastAppend;
        }
        drain();
        Switched switched;
        try {
            await(drained.exceptionally(e -> -1L));
            switched = switchLedger(position, live, sw.getId(), snapshotBytes, toDelete, keptForLive);
        } finally {
            synchronized (this) {
                switching = false;
                notifyAll();
            }
        }
        WriteHandle oldWriter = switched.oldWriter();
        long oldWriterBytes = switched.oldWriterBytes();
        if (oldWriter != null) {
            // Waited for: a closed ledger's length is in its metadata, so message bodies still
            // live in it can be read back through a plain read handle.
            try {
                await(oldWriter.closeAsync());
            } catch (IOException e) {
                log.warn("{}: closing ledger {} after a checkpoint: {}", path, oldWriter.getId(), e.toString());
            }
        }
        for (long id : toDelete) {
            ReadHandle rh = readers.remove(id);
            if (rh != null) {
                rh.closeAsync();
            }
            bk.newDeleteLedgerOp().withLedgerId(id).execute();
            bodyBytesByLedger.remove(id);
        }
        List<AddressRange> sparse = new ArrayList<>();
        for (long[] k : keptForLive) {
            try {
                long size;
                if (oldWriter != null && k[0] == oldWriter.getId()) {
                    size = oldWriterBytes; // closing still: its metadata may not have its length yet
                } else {
                    var md = await(bk.getLedgerMetadata(k[0]));
                    size = md.isClosed() ? md.getLength() : 0;
                }
                if (Rewriting.worthIt(k[3], bodyBytesByLedger.getOrDefault(k[0], -1L), size)) {
                    sparse.add(new AddressRange(k[1], k[2]));
                }
            } catch (IOException e) {
                log.debug("{}: reading the size of ledger {}: {}", path, k[0], e.toString());
            }
        }
        return sparse;
    }

    /** The writer a checkpoint replaced, and the bytes written to it. */
    private record Switched(WriteHandle oldWriter, long oldWriterBytes) {}

    /**
     * Starts the next ledger and records the checkpoint in the metadata: the snapshot, and the
     * ledgers still needed (those holding records after {@code position}, or live bytes). Fills
     * {@code toDelete} and {@code keptForLive} (id, address range, live bytes). Nothing is in flight.
     */
    private Switched switchLedger(long position, LiveCounter live, long snapshotLedger, long snapshotBytes, List<Long> toDelete,
                                  List<long[]> keptForLive) throws IOException {
        WriteHandle w = createLedger();
        synchronized (this) {
            List<LedgerRange> all = new ArrayList<>(metadata.getLedgersList());
            all.add(newRange(w, lastPosition + 1));
            List<LedgerRange> kept = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                long lastInLedger = i + 1 < all.size() ? all.get(i + 1).getFirstPosition() - 1 : Long.MAX_VALUE;
                long liveBytes = live.liveIn(all.get(i).getFirstPosition() << ADDRESS_SHIFT);
                if (lastInLedger <= position && liveBytes == 0) {
                    toDelete.add(all.get(i).getLedgerId());
                } else {
                    kept.add(all.get(i));
                    if (lastInLedger <= position && liveBytes > 0) {
                        keptForLive.add(new long[] {all.get(i).getLedgerId(), all.get(i).getFirstPosition() << ADDRESS_SHIFT,
                                (lastInLedger + 1) << ADDRESS_SHIFT, liveBytes});
                    }
                }
            }
            if (metadata.getSnapshotLedger() != 0) {
                toDelete.add(metadata.getSnapshotLedger());
            }
            try {
                writeMetadata(metadata.toBuilder().setSnapshotLedger(snapshotLedger).setSnapshotPosition(position)
                        .setSnapshotBytes(snapshotBytes).clearLedgers().addAllLedgers(kept).build());
            } catch (IOException | RuntimeException e) {
                // Lost the slot, or cannot tell whether the write landed (a lost connection): the
                // new ledger may be in no metadata, and an append acknowledged from it would be lost
                // at the next take-over. Nothing more is appended here; the slot must be recovered.
                // Neither new ledger is deleted: the metadata may name them.
                fail(e);
                w.closeAsync();
                throw e;
            }
            Switched switched = new Switched(writer, writerBytes);
            if (writer != null) {
                bodyBytesByLedger.put(writer.getId(), writerBodyBytes);
            }
            bytesSinceCheckpoint = position >= lastPosition ? 0 : writerBytes; // the old ledger is kept
            writer = w;
            writerFirst = lastPosition + 1;
            entriesSealed = 0;
            writerBytes = 0;
            writerBodyBytes = 0;
            return switched;
        }
    }

    @Override
    public synchronized long bytesSinceCheckpoint() {
        return bytesSinceCheckpoint;
    }

    @Override
    public long storageBytes() {
        // Asks for every closed ledger's length (a metadata read each): for tests and tools.
        SlotLogMetadata md;
        long open;
        long openId;
        synchronized (this) {
            md = metadata;
            open = writerBytes;
            openId = writer == null ? -1 : writer.getId();
        }
        long bytes = md.getSnapshotBytes() + open;
        for (LedgerRange r : md.getLedgersList()) {
            if (r.getLedgerId() == openId) {
                continue;
            }
            try {
                var lm = await(bk.getLedgerMetadata(r.getLedgerId()));
                bytes += lm.isClosed() ? lm.getLength() : 0;
            } catch (IOException e) {
                log.debug("{}: reading the size of ledger {}: {}", path, r.getLedgerId(), e.toString());
            }
        }
        return bytes;
    }

    @Override
    public void close() {
        WriteHandle w;
        boolean failed;
        CompletableFuture<Long> last;
        synchronized (this) {
            failed = failure != null;
            if (!failed) {
                if (!batch.isEmpty()) {
                    sealBatch();
                }
                failure = new SlotLogException("slot log closed: " + path, null);
            }
            w = writer;
            last = lastAppend;
        }
        drain();
        readers.values().forEach(ReadHandle::closeAsync);
        readers.clear();
        if (failed) {
            // Fenced or broken: nothing more can be acknowledged, and closing a fenced ledger only
            // races the new owner's recovery. Let it go without waiting.
            w.closeAsync();
            return;
        }
        try {
            // A clean hand-over: what is in flight completes (and is answered), and the closed
            // ledger spares the next owner a recovery. Bounded: the next owner fences what is left.
            last.exceptionally(e -> -1L).get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            w.closeAsync().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("{}: closing the ledger: {}", path, e.toString());
        }
    }

    /**
     * A snapshot ledger as an output stream: {@link #SNAPSHOT_CHUNK}-byte entries, at most
     * {@link #CHUNKS_IN_FLIGHT} of them unacknowledged at a time, so memory stays bounded
     * whatever the snapshot's size. Closing it does not close the ledger.
     */
    private static final class LedgerOutput extends java.io.OutputStream {
        private static final int CHUNKS_IN_FLIGHT = 4;
        private final WriteHandle ledger;
        private final java.util.ArrayDeque<CompletableFuture<Long>> inFlight = new java.util.ArrayDeque<>();
        private byte[] chunk = new byte[SNAPSHOT_CHUNK];
        private int used;
        private long count;
        private boolean anyEntry;

        LedgerOutput(WriteHandle ledger) {
            this.ledger = ledger;
        }

        @Override
        public void write(int b) throws IOException {
            if (used == chunk.length) {
                send();
            }
            chunk[used++] = (byte) b;
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == chunk.length) {
                    send();
                }
                int n = Math.min(len, chunk.length - used);
                System.arraycopy(b, off, chunk, used, n);
                used += n;
                off += n;
                len -= n;
                count += n;
            }
        }

        private void send() throws IOException {
            while (inFlight.size() >= CHUNKS_IN_FLIGHT) {
                await(inFlight.poll());
            }
            inFlight.add(ledger.appendAsync(java.util.Arrays.copyOf(chunk, used)));
            anyEntry = true;
            used = 0;
        }

        /** Sends the last chunk and waits until every entry is acknowledged. */
        void finish() throws IOException {
            if (used > 0 || !anyEntry) {
                send();
            }
            while (!inFlight.isEmpty()) {
                await(inFlight.poll());
            }
        }

        long count() {
            return count;
        }

        @Override
        public void close() {
            chunk = null;
        }
    }

    /** A snapshot ledger read back as a stream, a few entries at a time. */
    private static final class LedgerInput extends java.io.InputStream {
        private static final int ENTRIES_PER_READ = 8;
        private final ReadHandle ledger;
        private final long last;
        private long next;
        private java.util.ArrayDeque<byte[]> entries = new java.util.ArrayDeque<>();
        private byte[] current;
        private int at;
        private long count;

        LedgerInput(ReadHandle ledger) {
            this.ledger = ledger;
            this.last = ledger.getLastAddConfirmed();
        }

        private boolean fill() throws IOException {
            while (current == null || at == current.length) {
                if (entries.isEmpty()) {
                    if (next > last) {
                        return false;
                    }
                    long to = Math.min(last, next + ENTRIES_PER_READ - 1);
                    try (LedgerEntries read = await(ledger.readAsync(next, to))) {
                        for (LedgerEntry e : read) {
                            entries.add(e.getEntryBytes());
                        }
                    }
                    next = to + 1;
                }
                current = entries.poll();
                at = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!fill()) {
                return -1;
            }
            count++;
            return current[at++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - at);
            System.arraycopy(current, at, b, off, n);
            at += n;
            count += n;
            return n;
        }

        void drain() throws IOException {
            byte[] buf = new byte[1 << 16];
            while (read(buf, 0, buf.length) >= 0) {
                // count what the reader left
            }
        }

        long count() {
            return count;
        }
    }
}
