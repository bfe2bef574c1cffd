package io.baton.broker.runtime;

import io.baton.broker.log.SlotLog;
import io.baton.broker.log.SlotLogFactory;
import io.baton.broker.slot.SlotLimits;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and closes slots on this broker: everything needed to build a {@link SlotDriver}. The
 * coordination layer decides which slots; this class only does it, and tells it when a slot it
 * opened fails ({@link #onFailure}), so that it can reopen the slot later.
 *
 * <p>A slot is never opened while its previous instance here is still closing: {@link #open}
 * waits for that close (two instances would share, and in the file log fight over, one log).
 */
public final class SlotHost implements AutoCloseable {
    /** What happens to ownership on this broker, for metrics. Called on arbitrary threads. */
    public interface Events {
        Events NONE = new Events() {};

        /**
         * {@code slot} began serving (or failed to) {@code nanos} after it was opened: log opening
         * and replay. {@code driver} is null when the log could not even be opened.
         */
        default void acquired(int slot, SlotDriver driver, long nanos, boolean ok) {}

        /** {@code driver} stops serving {@code slot}; told before it leaves {@link LocalSlots}. */
        default void released(int slot, SlotDriver driver) {}
    }

    /** Why a slot assigned here is not serving: its open failed, or it failed while serving. */
    public record Failure(int slot, Throwable cause, long sinceMillis) {
        /** The failure's own message and, when different, its root cause's. */
        public String reason() {
            Throwable top = cause;
            while (top.getCause() != null && (top instanceof java.util.concurrent.CompletionException
                    || top instanceof IllegalStateException || top.getMessage() == null)) {
                top = top.getCause();
            }
            Throwable root = top;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String text = top.getMessage() != null ? top.getMessage() : top.toString();
            return root == top ? text : text + " (" + root + ")";
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SlotHost.class);

    private final LocalSlots slots;
    private final SlotLogFactory logs;
    private final SlotThreads threads;
    private final Clock clock;
    private final SlotLimits limits;
    private final CheckpointPolicy checkpoints;
    private final LongConsumer durableLatencyNanos;
    private final SlotResources resources;
    private volatile Events events = Events.NONE;
    private final List<IntConsumer> failureListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Slots whose last open failed, or that failed while serving, until they serve again or leave. */
    private final Map<Integer, Failure> failures = new ConcurrentHashMap<>();
    /** Closes in progress, by slot. */
    private final Map<Integer, CompletableFuture<Void>> closing = new ConcurrentHashMap<>();

    public SlotHost(LocalSlots slots, SlotLogFactory logs, SlotThreads threads, Clock clock, SlotLimits limits,
                    CheckpointPolicy checkpoints, LongConsumer durableLatencyNanos, SlotResources resources) {
        this.slots = slots;
        this.logs = logs;
        this.threads = threads;
        this.clock = clock;
        this.limits = limits;
        this.checkpoints = checkpoints;
        this.durableLatencyNanos = durableLatencyNanos;
        this.resources = resources;
    }

    public LocalSlots slots() {
        return slots;
    }

    public void events(Events events) {
        this.events = events;
    }

    /** Tells {@code listener} the slot number when a slot opened here fails, at open or while serving (any thread). */
    public void onFailure(IntConsumer listener) {
        failureListeners.add(listener);
    }

    /** Slots assigned here that are not serving because they failed, with why. */
    public Map<Integer, Failure> failures() {
        return Map.copyOf(failures);
    }

    /** Forgets why {@code slot} failed: it is no longer assigned here. */
    public void forget(int slot) {
        failures.remove(slot);
    }

    private volatile java.util.function.IntConsumer movesPending = s -> { };
    private volatile SlotObserver observer = SlotObserver.NONE;

    /** Tells {@code observer} what the slots opened from now on decide and how late they wake their workers (slot threads). */
    public void observe(SlotObserver observer) {
        this.observer = observer;
    }

    /** Tells {@code listener} a slot's number when it holds messages to move to another queue (any thread). */
    public void onMovesPending(java.util.function.IntConsumer listener) {
        this.movesPending = listener;
    }

    /** Starts serving {@code slot} under {@code epoch}: opens its log and replays it. */
    public CompletableFuture<Void> open(int slot, long epoch) {
        CompletableFuture<Void> previous = closing.get(slot);
        if (previous != null && !previous.isDone()) {
            log.info("slot {}: waiting for its previous instance to close before opening it again", slot);
            return previous.thenCompose(v -> open(slot, epoch));
        }
        long t0 = System.nanoTime();
        SlotLog slotLog;
        try {
            slotLog = logs.open(slot, epoch);
        } catch (IOException | RuntimeException e) {
            // Includes a log already taken over under a newer epoch: the assignment moved on, and
            // the next assignment event says what this broker should serve.
            log.warn("slot {}: cannot open its log for epoch {}: {}", slot, epoch, e.toString());
            failed(slot, e);
            events.acquired(slot, null, System.nanoTime() - t0, false);
            return CompletableFuture.failedFuture(e);
        }
        long opened = System.nanoTime();
        SlotDriver driver = new SlotDriver(slot, epoch, slotLog, threads.forSlot(slot), clock, limits, checkpoints,
                durableLatencyNanos, resources);
        driver.onFailed(d -> failed(slot, d.failure()));
        driver.onMovesPending(movesPending);
        driver.observe(observer);
        slots.put(driver);
        opening(t0);
        return driver.recover().whenComplete((v, e) -> {
            long done = System.nanoTime();
            events.acquired(slot, driver, done - t0, e == null);
            if (e == null) {
                failures.remove(slot);
                log.debug("slot {}: serving epoch {} after {} ms ({} ms opening its log)", slot, epoch, (done - t0) / 1_000_000,
                        (opened - t0) / 1_000_000);
            } else {
                failed(slot, driver.failure() != null ? driver.failure() : e);
            }
            opened(e == null, driver.liveMessages(), done);
        });
    }

    // Slots opened together (at start, or when a broker's slots move here) are reported in one
    // line once the last of them is open; per-slot lines are at debug level.
    private int openingNow;
    private long burstStart;
    private int burstServing;
    private int burstFailed;
    private long burstMessages;

    private synchronized void opening(long t0) {
        if (openingNow++ == 0) {
            burstStart = t0;
            burstServing = 0;
            burstFailed = 0;
            burstMessages = 0;
        }
    }

    private synchronized void opened(boolean serving, long messages, long done) {
        if (serving) {
            burstServing++;
            burstMessages += messages;
        } else {
            burstFailed++;
        }
        if (--openingNow == 0) {
            log.info("opened {} slot(s) in {} ms: {} serving, {} messages replayed{}; {} slots served here",
                    burstServing + burstFailed, (done - burstStart) / 1_000_000, burstServing, burstMessages,
                    burstFailed == 0 ? "" : ", " + burstFailed + " FAILED (see /health)", slots.all().size());
        }
    }

    private void failed(int slot, Throwable cause) {
        failures.put(slot, new Failure(slot, cause, clock.millis()));
        failureListeners.forEach(l -> l.accept(slot));
    }

    /** Stops serving {@code slot} and closes its log once what was appended is durable. */
    public CompletableFuture<Void> close(int slot) {
        SlotDriver d = slots.get(slot);
        if (d == null) {
            CompletableFuture<Void> previous = closing.get(slot);
            return previous != null ? previous : CompletableFuture.completedFuture(null);
        }
        events.released(slot, d); // first, so that counters summed over the slots never miss it
        slots.remove(slot);
        CompletableFuture<Void> done = d.release();
        closing.put(slot, done);
        done.whenComplete((v, e) -> closing.remove(slot, done));
        return done;
    }

    /** Stops serving every slot; the future completes once their logs are closed. */
    public CompletableFuture<Void> closeAllAsync() {
        List<CompletableFuture<Void>> all = slots.all().stream().map(d -> close(d.slot())).toList();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    public void closeAll() {
        closeAllAsync().join();
        CompletableFuture.allOf(closing.values().toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public void close() {
        closeAll();
    }
}
