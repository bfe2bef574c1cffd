package io.baton.broker.log;

import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.v1.LedgerRange;
import io.baton.api.v1.SlotLogMetadata;
import java.io.ByteArrayOutputStream;
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
 * <p>An append is durable once the ack quorum of bookies has it in their journals. Checkpoints
 * write the snapshot into a ledger of its own (in chunks) and drop the ledgers it covers.
 *
 * <p>Threads: {@link #append} from any thread (serialized here so positions follow call order);
 * checkpoint and close from the slot thread.
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

    private final BookKeeper bk;
    private final LedgerPasswords passwords;
    private final CuratorFramework zk;
    private final String path;
    private final Replication replication;
    private final LedgerEvents events;

    // Guarded by "this".
    private SlotLogMetadata metadata;
    private int metadataVersion;
    private WriteHandle writer;
    private long writerFirst;
    private long lastPosition;
    private long bytesSinceCheckpoint;
    /** Bytes appended to the current writer's ledger (an estimate, as bytesSinceCheckpoint is). */
    private long writerBytes;
    private CompletableFuture<Long> lastAppend = CompletableFuture.completedFuture(-1L);
    private Throwable failure;
    /** Handles for reading message bodies back from ledgers other than the open one. */
    private final java.util.concurrent.ConcurrentHashMap<Long, ReadHandle> readers = new java.util.concurrent.ConcurrentHashMap<>();

    private BookKeeperSlotLog(BookKeeper bk, CuratorFramework zk, String path, Replication replication, LedgerEvents events,
                              LedgerPasswords passwords) {
        this.bk = bk;
        this.passwords = passwords;
        this.zk = zk;
        this.path = path;
        this.replication = replication;
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
        BookKeeperSlotLog l = new BookKeeperSlotLog(bk, zk, path, replication, events, passwords);
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
                end = last.getFirstPosition() + lac;
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
        WriteHandle w = await(bk.newCreateLedgerOp().withEnsembleSize(replication.ensemble())
                .withWriteQuorumSize(replication.writeQuorum()).withAckQuorumSize(replication.ackQuorum())
                .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
        ledgers.add(LedgerRange.newBuilder().setLedgerId(w.getId()).setFirstPosition(end + 1).build());
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
        lastPosition = end;
    }

    @Override
    public CompletableFuture<Long> append(byte[] record) {
        if (record.length > OFFSET_MASK) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("record of " + record.length + " bytes"));
        }
        synchronized (this) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            long position = ++lastPosition;
            bytesSinceCheckpoint += record.length + ENTRY_OVERHEAD;
            writerBytes += record.length + ENTRY_OVERHEAD;
            long first = writerFirst;
            long sent = System.nanoTime();
            CompletableFuture<Long> f = writer.appendAsync(record).handle((entryId, e) -> {
                if (e == null) {
                    events.added(System.nanoTime() - sent);
                } else {
                    fail(e);
                    throw new java.util.concurrent.CompletionException(new SlotLogException(
                            "could not append to slot log " + path + " (fenced by a new owner, or bookies lost)", e));
                }
                long p = first + entryId;
                if (p != position) {
                    throw new IllegalStateException("entry " + entryId + " landed at position " + p + ", expected " + position);
                }
                return p;
            });
            lastAppend = f;
            return f;
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
    public synchronized long nextAddress() {
        return (lastPosition + 1) << ADDRESS_SHIFT;
    }

    @Override
    public void read(long address, byte[] into, int offset, int length) throws IOException {
        long position = address >>> ADDRESS_SHIFT;
        int at = (int) (address & OFFSET_MASK);
        LedgerRange range = null;
        WriteHandle open;
        synchronized (this) {
            for (LedgerRange r : metadata.getLedgersList()) {
                if (r.getFirstPosition() <= position) {
                    range = r;
                }
            }
            open = writer;
        }
        if (range == null) {
            throw new LogCorruptedException(path + ": no ledger holds position " + position);
        }
        long entry = position - range.getFirstPosition();
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
                throw new LogCorruptedException(path + ": entry for position " + position + " holds " + bytes.length
                        + " bytes, not " + (at + length));
            }
            System.arraycopy(bytes, at, into, offset, length);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(path + ": reading position " + position, e);
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
        for (LedgerRange range : md.getLedgersList()) {
            if (range.getLedgerId() == writerId) {
                continue; // ours: nothing in it that replay has not seen
            }
            try (ReadHandle rh = openLedger(range.getLedgerId(), false)) {
                long lac = rh.getLastAddConfirmed();
                long start = Math.max(0, from + 1 - range.getFirstPosition());
                // Reads run READ_AHEAD batches ahead of the replay, so that the bookies' round
                // trips overlap with applying the records (a take-over's replay time is failover time).
                java.util.ArrayDeque<CompletableFuture<LedgerEntries>> ahead = new java.util.ArrayDeque<>();
                long next = start;
                try {
                    while (next <= lac || !ahead.isEmpty()) {
                        while (next <= lac && ahead.size() < READ_AHEAD) {
                            ahead.add(rh.readAsync(next, Math.min(lac, next + READ_BATCH - 1)));
                            next += READ_BATCH;
                        }
                        try (LedgerEntries entries = await(ahead.poll())) {
                            for (LedgerEntry entry : entries) {
                                long p = range.getFirstPosition() + entry.getEntryId();
                                replayer.record(p, p << ADDRESS_SHIFT, entry.getEntryBytes());
                            }
                        }
                    }
                } finally {
                    ahead.forEach(f -> f.thenAccept(LedgerEntries::close));
                }
            } catch (Exception e) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }
    }

    @Override
    public List<AddressRange> checkpoint(long position, SnapshotWriter snapshot) throws IOException {
        long[] starts;
        synchronized (this) {
            starts = metadata.getLedgersList().stream().mapToLong(r -> r.getFirstPosition() << ADDRESS_SHIFT).toArray();
        }
        LiveCounter live = new LiveCounter(starts);
        WriteHandle sw = await(bk.newCreateLedgerOp().withEnsembleSize(replication.ensemble())
                .withWriteQuorumSize(replication.writeQuorum()).withAckQuorumSize(replication.ackQuorum())
                .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
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
        WriteHandle oldWriter = null;
        long oldWriterBytes;
        synchronized (this) {
            await(lastAppend.exceptionally(e -> -1L));
            // Start a fresh ledger at every checkpoint, so the ledger written so far can go as soon
            // as a checkpoint covers it. The snapshot is taken on the slot thread and written here
            // while appends go on, so the open ledger usually holds records past it: those ledgers
            // stay (and their bytes are counted) until the next checkpoint.
            WriteHandle w = await(bk.newCreateLedgerOp().withEnsembleSize(replication.ensemble())
                    .withWriteQuorumSize(replication.writeQuorum()).withAckQuorumSize(replication.ackQuorum())
                    .withDigestType(DigestType.CRC32C).withPassword(passwords.current()).execute());
            List<LedgerRange> all = new ArrayList<>(metadata.getLedgersList());
            all.add(LedgerRange.newBuilder().setLedgerId(w.getId()).setFirstPosition(lastPosition + 1).build());
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
                writeMetadata(metadata.toBuilder().setSnapshotLedger(sw.getId()).setSnapshotPosition(position)
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
            oldWriter = writer;
            oldWriterBytes = writerBytes;
            bytesSinceCheckpoint = position >= lastPosition ? 0 : writerBytes; // the old ledger is kept
            writer = w;
            writerFirst = lastPosition + 1;
            writerBytes = 0;
        }
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
                if (k[3] * 2 < size) {
                    sparse.add(new AddressRange(k[1], k[2]));
                }
            } catch (IOException e) {
                log.debug("{}: reading the size of ledger {}: {}", path, k[0], e.toString());
            }
        }
        return sparse;
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
        synchronized (this) {
            failed = failure != null;
            if (!failed) {
                failure = new SlotLogException("slot log closed: " + path, null);
            }
            w = writer;
        }
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
            lastAppend.exceptionally(e -> -1L).get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
