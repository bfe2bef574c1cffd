package io.baton.broker.runtime;

import io.baton.broker.log.SlotLog;
import io.baton.broker.log.SlotLogFactory;
import io.baton.broker.slot.SlotLimits;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and closes slots on this broker: everything needed to build a {@link SlotDriver}. The
 * coordination layer decides which slots; this class only does it.
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

    private static final Logger log = LoggerFactory.getLogger(SlotHost.class);

    private final LocalSlots slots;
    private final SlotLogFactory logs;
    private final SlotThreads threads;
    private final Clock clock;
    private final SlotLimits limits;
    private final SlotDriver.CheckpointPolicy checkpoints;
    private final LongConsumer durableLatencyNanos;
    private volatile Events events = Events.NONE;

    public SlotHost(LocalSlots slots, SlotLogFactory logs, SlotThreads threads, Clock clock, SlotLimits limits,
                    SlotDriver.CheckpointPolicy checkpoints, LongConsumer durableLatencyNanos) {
        this.slots = slots;
        this.logs = logs;
        this.threads = threads;
        this.clock = clock;
        this.limits = limits;
        this.checkpoints = checkpoints;
        this.durableLatencyNanos = durableLatencyNanos;
    }

    public LocalSlots slots() {
        return slots;
    }

    public void events(Events events) {
        this.events = events;
    }

    /** Starts serving {@code slot} under {@code epoch}: opens its log and replays it. */
    public CompletableFuture<Void> open(int slot, long epoch) {
        long t0 = System.nanoTime();
        SlotLog slotLog;
        try {
            slotLog = logs.open(slot, epoch);
        } catch (IOException | RuntimeException e) {
            // Includes a log already taken over under a newer epoch: the assignment moved on, and
            // the next assignment event says what this broker should serve.
            log.warn("slot {}: cannot open its log for epoch {}: {}", slot, epoch, e.toString());
            events.acquired(slot, null, System.nanoTime() - t0, false);
            return CompletableFuture.failedFuture(e);
        }
        long opened = System.nanoTime();
        SlotDriver driver = new SlotDriver(slot, epoch, slotLog, threads.forSlot(slot), clock, limits, checkpoints,
                durableLatencyNanos);
        slots.put(driver);
        return driver.recover().whenComplete((v, e) -> {
            long done = System.nanoTime();
            events.acquired(slot, driver, done - t0, e == null);
            if (e == null) {
                log.info("slot {}: serving epoch {} after {} ms ({} ms opening its log)", slot, epoch, (done - t0) / 1_000_000,
                        (opened - t0) / 1_000_000);
            }
        });
    }

    /** Stops serving {@code slot} and closes its log once what was appended is durable. */
    public CompletableFuture<Void> close(int slot) {
        SlotDriver d = slots.get(slot);
        if (d == null) {
            return CompletableFuture.completedFuture(null);
        }
        events.released(slot, d); // first, so that counters summed over the slots never miss it
        slots.remove(slot);
        return d.release();
    }

    /** Stops serving every slot; the future completes once their logs are closed. */
    public CompletableFuture<Void> closeAllAsync() {
        List<CompletableFuture<Void>> all = slots.all().stream().map(d -> close(d.slot())).toList();
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    public void closeAll() {
        closeAllAsync().join();
    }

    @Override
    public void close() {
        closeAll();
    }
}
