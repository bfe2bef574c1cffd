package io.baton.broker.runtime;

import io.baton.api.ErrorCode;
import io.baton.broker.log.SlotLog;
import io.baton.api.Limits;
import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.quota.QuotaExceededException;
import io.baton.broker.slot.Body;
import io.baton.broker.slot.Decision;
import io.baton.broker.slot.Placement;
import io.baton.broker.slot.Views;
import io.baton.broker.slot.RecordCodec;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotCounters;
import io.baton.broker.slot.SlotException;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.SlotRecord;
import io.baton.broker.slot.SlotSnapshot;
import io.baton.broker.slot.SlotStateMachine;
import io.baton.broker.slot.Views.ClaimView;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin driver of one slot: it owns the slot's state machine and log, and runs every command on
 * the slot's thread. For each command it reads the clock, decides, applies the records, appends
 * them, and completes the caller's future only when the log says they are durable. A command that
 * writes nothing still waits for every earlier record to be durable (a read never shows what a
 * crash could take back).
 *
 * <p>If the log fails, the state machine is ahead of storage: the slot turns FAILED, refuses
 * everything, and tells its owner ({@link SlotHost}), which reopens it from the log with backoff.
 *
 * <p>Its helpers, each owned by the slot thread: {@link WorkWaiters} (streaming workers waiting for
 * free messages, woken by the records that say they free some), {@link Checkpointer} (when and how
 * the log is cut) and {@link SlotIdRange} (the ids the slot may issue).
 */
public final class SlotDriver {
    private static final Logger log = LoggerFactory.getLogger(SlotDriver.class);

    private final int slot;
    private final long epoch;
    private final SlotLog slotLog;
    /** Runs this slot's tasks one at a time (shared with other slots). */
    private final SlotLane thread;
    private final Clock clock;
    private final Checkpointer checkpoints;
    private final WorkWaiters waiters;
    private final LongConsumer durableLatencyNanos;
    private final Admission admission;
    private final BodyCache cache;
    /**
     * This driver's key in the body cache: never the key of another instance of the slot, so a
     * slot reopened on other files (restored from a backup, say) never meets bodies cached by the
     * one before.
     */
    private final int cacheKey = CACHE_KEYS.incrementAndGet();
    private static final java.util.concurrent.atomic.AtomicInteger CACHE_KEYS = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.ExecutorService bodyReaders;
    private SlotStateMachine sm;
    private final ProjectQuotas quotas;
    /** What this slot reported to the admission and the quotas. Slot thread only. */
    private final SlotAccount account;
    private volatile SlotOwnershipState state = SlotOwnershipState.RECOVERING;
    /** Why the slot is FAILED (null otherwise). */
    private volatile Throwable failure;
    /** Told once when the slot turns FAILED, on the thread that found the failure. */
    private volatile java.util.function.Consumer<SlotDriver> onFailed = d -> { };

    // Slot thread only.
    private final SlotIdRange ids;
    /** Timers, checkpoint writes and log closes: off the slot thread (at most one checkpoint write per slot at a time). */
    private final SlotExecutors executors;

    // Published by the slot thread for metrics readers.
    private volatile long liveMessages;
    private volatile long claimedMessages;
    private volatile long delayedMessages;
    private volatile long movingMessages;
    private volatile List<io.baton.broker.slot.Views.QueueCount> mostDelayed = List.of();
    private volatile SlotCounters publishedCounters = new SlotCounters();

    public SlotDriver(int slot, long epoch, SlotLog slotLog, SlotLane thread, Clock clock, SlotLimits limits,
                      CheckpointPolicy checkpoints, LongConsumer durableLatencyNanos) {
        this(slot, epoch, slotLog, thread, clock, limits, checkpoints, durableLatencyNanos, TEST_RESOURCES);
    }

    /** For drivers built without a broker (tests, tools): no limits, no cache, shared readers. */
    private static final SlotResources TEST_RESOURCES = SlotResources.unlimited();

    public SlotDriver(int slot, long epoch, SlotLog slotLog, SlotLane thread, Clock clock, SlotLimits limits,
                      CheckpointPolicy checkpoints, LongConsumer durableLatencyNanos, SlotResources resources) {
        this.slot = slot;
        this.epoch = epoch;
        this.slotLog = slotLog;
        this.thread = thread;
        this.clock = clock;
        this.durableLatencyNanos = durableLatencyNanos;
        this.admission = resources.admission();
        this.quotas = resources.quotas();
        this.account = new SlotAccount(admission, quotas);
        this.cache = resources.cache();
        this.bodyReaders = resources.bodyReaders();
        this.ids = new SlotIdRange(slot, resources.ids(), thread);
        this.executors = resources.executors();
        this.sm = new SlotStateMachine(slot, limits);
        this.checkpoints = new Checkpointer(slot, slotLog, thread, checkpoints, executors.checkpointWriters, this::compact);
        this.waiters = new WorkWaiters(thread, executors.wakeTimers, clock,
                () -> sm.advanceTo(Math.max(clock.millis(), sm.time())), ms -> observer.wakeLateness(ms));
    }

    public int slot() {
        return slot;
    }

    public long epoch() {
        return epoch;
    }

    public SlotOwnershipState state() {
        return state;
    }

    /** Why the slot is FAILED; null unless it is. */
    public Throwable failure() {
        return failure;
    }

    void onFailed(java.util.function.Consumer<SlotDriver> listener) {
        this.onFailed = listener;
    }

    /** Told the slot's number when it holds messages to move to another queue (any thread). */
    private volatile java.util.function.IntConsumer onMovesPending = s -> { };

    void onMovesPending(java.util.function.IntConsumer listener) {
        this.onMovesPending = listener;
    }

    /** Told the retry delays decided and the wake-ups' lateness here, for the metrics (slot thread). */
    private volatile SlotObserver observer = SlotObserver.NONE;

    void observe(SlotObserver observer) {
        this.observer = observer;
    }

    /** Replays the log into a fresh state machine, then serves. Runs on the slot thread. */
    public CompletableFuture<Void> recover() {
        return CompletableFuture.runAsync(() -> {
            long t0 = System.nanoTime();
            SlotLimits limits = sm.limits();
            long[] records = {0};
            long[] snapshotNanos = {0};
            try {
                slotLog.replay(new SlotLog.Replayer() {
                    @Override
                    public void snapshot(long position, java.io.InputStream snapshot) throws IOException {
                        long s0 = System.nanoTime();
                        sm = SlotSnapshot.read(new io.baton.broker.slot.BufferedDataInput(snapshot, 1 << 16), limits);
                        snapshotNanos[0] = System.nanoTime() - s0;
                    }

                    @Override
                    public void record(long position, long address, byte[] record) {
                        RecordCodec.Decoded d = RecordCodec.decodePlaced(record);
                        sm.apply(d.record(), d.at(address));
                        records[0]++;
                        checkpoints.appended(record.length);
                    }
                });
                placeRestoredBodies();
                checkpoints.recovered(sm.usage().bodyBytes());
                reserveIdsAtOpen();
                markOpened();
            } catch (IOException | RuntimeException e) {
                failure = e;
                transition(SlotOwnershipState.FAILED);
                log.error("slot {}: recovery failed", slot, e);
                throw new IllegalStateException("slot " + slot + " recovery failed: " + e.getMessage(), e);
            }
            publish();
            reportHeld();
            transition(SlotOwnershipState.SERVING);
            if (movingMessages > 0) {
                onMovesPending.accept(slot); // moves a previous owner (or this broker before a restart) left unfinished
            }
            log.debug("slot {} epoch {}: recovered {} messages in {} ms (snapshot {} ms, then {} records)", slot, epoch,
                    sm.usage().messages(), (System.nanoTime() - t0) / 1_000_000, snapshotNanos[0] / 1_000_000, records[0]);
        }, thread);
    }

    /**
     * Starts ids after the recorded reservation (the log may be older than the ids issued, if it was
     * restored from a backup; otherwise this skips at most the unused part of the last
     * reservation), then reserves the next range before the slot serves. Slot thread, recovery.
     */
    private void reserveIdsAtOpen() throws IOException {
        try {
            long floor = ids.recordedFloor();
            if (floor > sm.nextSeq()) {
                long from = sm.nextSeq();
                Decision<Boolean> d = sm.raiseSeqFloor(new SlotCommand.RaiseSeqFloor(floor), Math.max(clock.millis(), sm.time()));
                for (SlotRecord r : d.records()) {
                    appendApplied(r);
                }
                slotLog.sync().get();
                if (floor - from > ids.range()) {
                    log.warn("slot {}: its log ends at id {} but ids up to {} were issued before (was it restored from "
                            + "a backup?): ids continue from {}, so none is issued twice", slot, from, floor, floor);
                }
            }
            ids.reserveFrom(sm.nextSeq());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("reserving ids for the slot failed: " + e.getMessage(), e);
        }
    }

    /**
     * Records that this broker now serves the slot, if client claims are active: their workers
     * held them from the previous owner (or before a restart), and an attempt that runs out
     * without a renewal here ended because the slot moved. Slot thread, recovery.
     */
    private void markOpened() throws IOException {
        Decision<Boolean> d = sm.openSlot(new SlotCommand.OpenSlot(), Math.max(clock.millis(), sm.time()));
        if (d.records().isEmpty()) {
            return;
        }
        for (SlotRecord r : d.records()) {
            appendApplied(r);
        }
        try {
            slotLog.sync().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while recording the slot's opening", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("recording the slot's opening failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Smaller id reservations than the broker's, for tests; call before {@link #recover}. */
    void idReservation(long range, long margin) {
        ids.sizes(range, margin);
    }

    /**
     * Writes to the log the bodies a snapshot of the first formats held (they are in memory only
     * until then), before the slot serves, and checkpoints soon after so the snapshot no longer
     * holds them. Slot thread, during recovery.
     */
    private void placeRestoredBodies() throws IOException {
        if (!sm.hasUnplacedBodies()) {
            return;
        }
        List<SlotSnapshot.PlacedBody> bodies = SlotSnapshot.capture(sm).bodiesIn(List.of(), Long.MAX_VALUE);
        for (List<SlotSnapshot.PlacedBody> batch : moveBatches(bodies)) {
            List<byte[]> bytes = batch.stream().map(SlotSnapshot.PlacedBody::inMemory).toList();
            Decision<Integer> d = sm.moveBodies(moveCommand(batch, bytes), Math.max(clock.millis(), sm.time()));
            for (SlotRecord r : d.records()) {
                appendApplied(r);
            }
        }
        try {
            slotLog.sync().get();
        } catch (Exception e) {
            throw new IOException("writing the bodies of a snapshot of the first format to the log", e);
        }
        checkpoints.soon();
        log.info("slot {}: wrote {} message bodies from a snapshot of the first format to its log", slot, bodies.size());
    }

    /** Bodies to move, grouped by queue in commands of at most {@link #MOVE_BATCH_BYTES}. */
    private static List<List<SlotSnapshot.PlacedBody>> moveBatches(List<SlotSnapshot.PlacedBody> bodies) {
        List<List<SlotSnapshot.PlacedBody>> out = new ArrayList<>();
        Map<String, List<SlotSnapshot.PlacedBody>> open = new HashMap<>();
        Map<String, Long> bytes = new HashMap<>();
        for (SlotSnapshot.PlacedBody b : bodies) {
            String key = b.project() + '\0' + b.queue();
            List<SlotSnapshot.PlacedBody> batch = open.computeIfAbsent(key, k -> new ArrayList<>());
            long size = bytes.merge(key, (long) b.length(), Long::sum);
            batch.add(b);
            if (size >= MOVE_BATCH_BYTES || batch.size() >= Limits.WORK_BATCH_MAX) {
                out.add(batch);
                open.remove(key);
                bytes.remove(key);
            }
        }
        out.addAll(open.values());
        return out;
    }

    private static SlotCommand.MoveBodies moveCommand(List<SlotSnapshot.PlacedBody> batch, List<byte[]> bodies) {
        long[] seqs = new long[batch.size()];
        long[] from = new long[batch.size()];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = batch.get(i).seq();
            from[i] = batch.get(i).address();
        }
        return new SlotCommand.MoveBodies(batch.get(0).project(), batch.get(0).queue(), seqs, from, bodies);
    }

    /** Bytes of bodies one move writes at most (one record). */
    static final long MOVE_BATCH_BYTES = 256 << 10;

    /**
     * Encodes {@code r}, appends it, applies it where the log put it and keeps its bodies in the
     * cache. Slot thread only. The record is applied before it is durable; the returned future,
     * which the caller waits on before answering, completes once it is.
     */
    private CompletableFuture<Long> appendApplied(SlotRecord r) {
        RecordCodec.Encoded e = RecordCodec.encodePlaced(r);
        SlotLog.Appended appended = slotLog.appendLocated(e.bytes(), e.bodyBytes());
        long address = appended.address();
        sm.apply(r, new Placement(address, e.bodyOffsets(), true));
        int[] offsets = e.bodyOffsets();
        for (int k = 0; k < offsets.length; k++) {
            cache.put(cacheKey, address + offsets[k], e.bytes(), offsets[k], e.bodyLengths()[k]);
        }
        checkpoints.appended(e.bytes().length);
        return appended.durable();
    }

    /**
     * Runs {@code command}; the future completes once its effects are durable. A command that
     * grows the slot is first admitted against the broker's budgets ({@link Admission}).
     */
    public <R> CompletableFuture<R> submit(SlotCommand<R> command) {
        CompletableFuture<R> result = new CompletableFuture<>();
        ProjectQuotas.Reservation room = ProjectQuotas.Reservation.NONE;
        if (command instanceof SlotCommand.Publish p && p.messages() != null) {
            try {
                room = quotas.admit(p.project(), p.messages().size(), p.bodyBytes());
            } catch (QuotaExceededException e) {
                result.completeExceptionally(new SlotException(ErrorCode.RESOURCE_EXHAUSTED, e.getMessage()));
                return result;
            }
            // Released once the slot has applied the publish and reported it (so it is not counted
            // twice while its records become durable), or at the latest when it finishes.
            result.whenComplete(room.releaser());
        }
        long growth = command.growthBytes();
        if (growth > 0) {
            String refusal = admission.admit(growth);
            if (refusal != null) {
                result.completeExceptionally(new SlotException(ErrorCode.RESOURCE_EXHAUSTED, refusal));
                return result;
            }
            result.whenComplete((v, e) -> admission.release(growth));
        }
        ProjectQuotas.Reservation reserved = room;
        try {
            thread.executeHere(() -> {
                try {
                    run(command, result);
                } finally {
                    reserved.release();
                }
            });
        } catch (SlotLane.LaneFullException e) {
            result.completeExceptionally(laneFull(e));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(SlotUnavailableException.retry("Broker is shutting down.", slot));
        }
        return result;
    }

    /** Tells the admission and the quotas what the slot's state holds now. Slot thread only. */
    private void reportHeld() {
        account.report(sm);
    }

    /** Decides, applies and logs {@code command}; returns its reply (null if it failed). Slot thread only. */
    private <R> R run(SlotCommand<R> command, CompletableFuture<R> result) {
        if (state != SlotOwnershipState.SERVING) {
            result.completeExceptionally(unavailable());
            return null;
        }
        if (command.issuesIds() && ids.nearEnd(sm.nextSeq())) {
            ids.renewIfDue(sm.nextSeq());
            result.completeExceptionally(SlotUnavailableException.retry("Slot " + slot
                    + " is waiting for its next range of ids to be recorded; please try again shortly.", slot));
            return null;
        }
        long now = Math.max(clock.millis(), sm.time());
        Decision<R> decision;
        try {
            decision = command.decide(sm, now);
        } catch (SlotException e) {
            // A refusal may rest on records not yet durable: let it wait for them too.
            slotLog.sync().whenComplete((v, err) -> result.completeExceptionally(err != null ? unavailable() : e));
            return null;
        } catch (RuntimeException e) {
            log.error("slot {}: deciding {} failed", slot, command, e);
            result.completeExceptionally(new SlotException(ErrorCode.INTERNAL, "Internal error: " + e));
            return null;
        }
        CompletableFuture<?> durable = null;
        List<SlotRecord.InQueue> freed = null;
        boolean movesStarted = false;
        R reply;
        long t0 = System.nanoTime();
        List<Body> toRead;
        try {
            for (SlotRecord r : decision.records()) {
                durable = appendApplied(r);
                movesStarted |= r instanceof SlotRecord.MovesStarted;
                if (r instanceof SlotRecord.ClaimReleased rel && rel.retryAt() > rel.time()) {
                    observer.retryDelay(rel.retryAt() - rel.time());
                }
                SlotRecord.InQueue frees = r.freesMessagesIn();
                if (frees != null) {
                    freed = freed == null ? new ArrayList<>() : freed;
                    freed.add(frees);
                }
            }
            reply = decision.reply().get();
            if (durable != null) {
                reportHeld();
            }
            toRead = fromCache(Views.bodiesOf(reply));
        } catch (RuntimeException e) {
            // State and log may now disagree: stop serving rather than answer from a state we cannot trust.
            fail("applying " + command, e);
            result.completeExceptionally(new SlotException(ErrorCode.INTERNAL, "Internal error: " + e));
            return null;
        }
        if (freed != null) {
            freed.forEach(q -> waiters.wake(q.project(), q.queue()));
        }
        boolean wrote = durable != null;
        boolean startsMoves = movesStarted;
        if (wrote) {
            ids.renewIfDue(sm.nextSeq());
        }
        if (!wrote) {
            durable = slotLog.sync();
        }
        durable.whenComplete((position, err) -> {
            if (err != null) {
                thread.execute(() -> fail("log append", err));
                result.completeExceptionally(unavailable());
            } else {
                if (wrote) {
                    durableLatencyNanos.accept(System.nanoTime() - t0);
                }
                if (startsMoves) {
                    onMovesPending.accept(slot);
                }
                if (toRead.isEmpty()) {
                    result.complete(reply);
                } else {
                    readBodies(toRead, reply, result);
                }
            }
        });
        if (wrote) {
            checkpoints.afterWrite(sm);
        }
        return reply;
    }

    // ------------------------------------------------------------------ bodies

    /** Fills what the cache has; returns the bodies left to read from the log. Slot thread. */
    private List<Body> fromCache(List<Body> bodies) {
        List<Body> left = List.of();
        for (Body b : bodies) {
            if (b.loaded()) {
                continue;
            }
            byte[] cached = cache.get(cacheKey, b.address(), b.length());
            if (cached != null) {
                b.fill(cached);
            } else {
                if (left.isEmpty()) {
                    left = new ArrayList<>();
                }
                left.add(b);
            }
        }
        return left;
    }

    /**
     * Reads {@code bodies} back from the log on a reader thread, checks them, then completes
     * {@code result} with {@code reply}. A body that fails its checksum fails the slot: the log is
     * damaged, and the reply would carry partial state.
     */
    private <R> void readBodies(List<Body> bodies, R reply, CompletableFuture<R> result) {
        try {
            bodyReaders.execute(() -> {
                try {
                    for (Body b : bodies) {
                        b.fill(readBody(b.address(), b.length(), b.checked()));
                    }
                    result.complete(reply);
                } catch (IOException | RuntimeException e) {
                    try {
                        thread.execute(() -> fail("reading a message body back", e));
                    } catch (RejectedExecutionException closing) {
                        // closing
                    }
                    result.completeExceptionally(unavailable());
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new SlotException(ErrorCode.RESOURCE_EXHAUSTED,
                    "The broker has too many message bodies to read back from disk; please try again shortly."));
        }
    }

    /** One body from the log, its checksum checked; kept in the cache for the next reader. */
    private byte[] readBody(long address, int length, boolean checked) throws IOException {
        int check = checked ? RecordCodec.BODY_CHECK : 0;
        byte[] raw = new byte[length + check];
        slotLog.read(address - check, raw, 0, raw.length);
        if (checked && !RecordCodec.bodyIntact(raw)) {
            throw new io.baton.broker.log.LogCorruptedException("slot " + slot + ": the message body at " + address
                    + " fails its checksum");
        }
        byte[] body = checked ? java.util.Arrays.copyOfRange(raw, check, raw.length) : raw;
        cache.put(cacheKey, address, body);
        return body;
    }

    // ------------------------------------------------------------------ streaming workers

    /**
     * Claims for a streaming worker; when nothing is free, registers {@code whenFree} to run (on
     * this slot's thread) as soon as messages may be free again: after a publish or a release in
     * the queue, or at the moment its next claim expires. Deciding and registering happen in one
     * slot-thread task, so no wake-up can fall between them. No polling. A {@code whenFree} that
     * is already waiting on the queue is not registered twice.
     */
    public CompletableFuture<List<ClaimView>> claimOrWait(SlotCommand.ClaimEach command, Runnable whenFree) {
        CompletableFuture<List<ClaimView>> result = new CompletableFuture<>();
        Runnable decide = () -> {
            List<ClaimView> claims = run(command, result);
            if (claims != null && claims.isEmpty()) {
                waiters.await(command.project(), command.queue(), whenFree,
                        sm.nextClaimExpiry(command.project(), command.queue()));
            }
        };
        if (waiters.waking()) {
            decide.run();
            return result;
        }
        try {
            thread.executeHere(decide);
        } catch (SlotLane.LaneFullException e) {
            result.completeExceptionally(laneFull(e));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(SlotUnavailableException.retry("Broker is shutting down.", slot));
        }
        return result;
    }

    private SlotException laneFull(SlotLane.LaneFullException e) {
        return new SlotException(ErrorCode.RESOURCE_EXHAUSTED, "Slot " + slot + " has " + e.queued()
                + " requests waiting, its limit; please try again shortly.");
    }

    /**
     * Forgets {@code whenFree}, registered by {@link #claimOrWait} on a queue (its stream closed):
     * a waiter on a queue that never gets a message, or a stream that went away, leaves nothing
     * behind. Any thread.
     */
    public void stopWaiting(String project, String queue, Runnable whenFree) {
        waiters.forget(project, queue, whenFree);
    }

    /** How many waiters are registered on this slot's queues, counted on its thread (for tests). */
    public CompletableFuture<Integer> waiterCount() {
        return waiters.count();
    }

    /** Periodic housekeeping on the slot thread: expiry, metrics, and cutting the log when idle. */
    public void tick() {
        try {
            thread.execute(() -> {
                if (state != SlotOwnershipState.SERVING) {
                    return;
                }
                sm.advanceTo(Math.max(clock.millis(), sm.time()));
                publish();
                reportHeld();
                checkpoints.tick(sm);
            });
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void publish() {
        long[] totals = sm.totals();
        liveMessages = totals[0];
        claimedMessages = totals[1];
        delayedMessages = totals[2];
        movingMessages = totals[3];
        mostDelayed = sm.mostDelayed(MOST_DELAYED_QUEUES);
        publishedCounters = sm.counters().copy();
    }

    /** Bodies written again by compactions since this driver opened (for tests). */
    private final java.util.concurrent.atomic.AtomicLong bodiesRewritten = new java.util.concurrent.atomic.AtomicLong();

    long bodiesRewritten() {
        return bodiesRewritten.get();
    }

    /** Waits for the checkpoint being written and its compaction, if any (for tests). */
    void awaitCheckpoint() {
        checkpoints.awaitWrite();
    }

    /** Bytes of bodies one compaction moves at most: it runs after every checkpoint that leaves storage mostly dead. */
    static final long COMPACTION_BYTES = 64L << 20;

    /**
     * Writes the live bodies that keep mostly-dead storage alive into new records (oldest storage
     * first, up to {@link #COMPACTION_BYTES}), so the next checkpoint can let that storage go:
     * disk use follows the live bodies instead of the oldest straggler. The state machine skips
     * bodies deleted or moved meanwhile. Checkpoint thread.
     */
    private void compact(SlotSnapshot.Image image, List<SlotLog.AddressRange> sparse) throws IOException {
        List<long[]> ranges = sparse.stream().map(r -> new long[] {r.from(), r.to()}).toList();
        List<SlotSnapshot.PlacedBody> bodies = image.bodiesIn(ranges, COMPACTION_BYTES);
        int moved = 0;
        for (List<SlotSnapshot.PlacedBody> batch : moveBatches(bodies)) {
            List<byte[]> bytes = new ArrayList<>(batch.size());
            for (SlotSnapshot.PlacedBody b : batch) {
                bytes.add(b.inMemory() != null ? b.inMemory() : readBody(b.address(), b.length(), b.checked()));
            }
            try {
                moved += submit(moveCommand(batch, bytes)).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("moving message bodies out of mostly-dead storage", e);
            }
        }
        if (moved > 0) {
            bodiesRewritten.addAndGet(moved);
            log.info("slot {}: moved {} message bodies out of {} mostly-dead storage units", slot, moved, sparse.size());
            try {
                thread.execute(checkpoints::soon);
            } catch (RejectedExecutionException closing) {
                // closing
            }
        }
    }

    private void fail(String what, Throwable e) {
        if (state == SlotOwnershipState.FAILED || state == SlotOwnershipState.RELEASED) {
            return;
        }
        log.error("slot {}: {} failed; the slot stops serving until it is reopened", slot, what, e);
        failure = e;
        transition(SlotOwnershipState.FAILED);
        waiters.wakeAll();
        try {
            // Queued behind any command still running, so nothing is reported after it.
            thread.execute(account::withdraw);
        } catch (RejectedExecutionException closing) {
            // the broker is stopping
        }
        onFailed.accept(this);
    }

    public void suspend() {
        if (state == SlotOwnershipState.SERVING) {
            transition(SlotOwnershipState.SUSPENDED);
            try {
                thread.execute(waiters::wakeAll);
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    public void resume() {
        if (state == SlotOwnershipState.SUSPENDED) {
            transition(SlotOwnershipState.SERVING);
        }
    }


    /**
     * Stops serving and closes the log once everything appended is durable. The slot thread stops
     * the slot (no append is issued after that); the log is closed on another thread.
     */
    public CompletableFuture<Void> release() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable closeLog = () -> {
            try {
                checkpoints.awaitWrite();
                slotLog.close();
            } catch (RuntimeException e) {
                log.warn("slot {}: closing its log", slot, e);
            } finally {
                done.complete(null);
            }
        };
        try {
            thread.execute(() -> {
                try {
                    if (state != SlotOwnershipState.RELEASED) {
                        transition(SlotOwnershipState.RELEASED);
                    }
                    account.withdraw();
                    waiters.wakeAll();
                } finally {
                    executors.closers.execute(closeLog);
                }
            });
        } catch (RejectedExecutionException e) {
            closeLog.run();
        }
        return done;
    }

    private synchronized void transition(SlotOwnershipState next) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException("slot " + slot + ": " + state + " -> " + next);
        }
        state = next;
    }

    private SlotUnavailableException unavailable() {
        if (state == SlotOwnershipState.FAILED) {
            return SlotUnavailableException.retry("Slot " + slot + " cannot be served: its storage failed. It is reopened"
                    + " automatically once the cause is gone. Please try again in a few seconds.", slot);
        }
        return SlotUnavailableException.retry("Slot " + slot + " is " + state.name().toLowerCase()
                + ". Please try again in a few seconds.", slot);
    }

    public long liveMessages() {
        return liveMessages;
    }

    public long claimedMessages() {
        return claimedMessages;
    }

    /** Messages whose delay is not over yet. */
    public long delayedMessages() {
        return delayedMessages;
    }

    /** How many queues per slot {@link #mostDelayed()} names. */
    public static final int MOST_DELAYED_QUEUES = 100;

    /** The slot's queues with the most delayed messages, most first, as of the last tick (any thread). */
    public List<io.baton.broker.slot.Views.QueueCount> mostDelayed() {
        return mostDelayed;
    }

    /** Messages on their way to another queue (dead-lettered or redriven, not yet copied). */
    public long movingMessages() {
        return movingMessages;
    }

    public SlotCounters counters() {
        return publishedCounters;
    }

    public SlotLog log() {
        return slotLog;
    }
}
