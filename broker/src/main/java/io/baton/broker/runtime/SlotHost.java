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
    private static final Logger log = LoggerFactory.getLogger(SlotHost.class);

    private final LocalSlots slots;
    private final SlotLogFactory logs;
    private final SlotThreads threads;
    private final Clock clock;
    private final SlotLimits limits;
    private final SlotDriver.CheckpointPolicy checkpoints;
    private final LongConsumer durableLatencyNanos;

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

    /** Starts serving {@code slot} under {@code epoch}: opens its log and replays it. */
    public CompletableFuture<Void> open(int slot, long epoch) {
        SlotLog slotLog;
        try {
            slotLog = logs.open(slot, epoch);
        } catch (IOException e) {
            log.error("slot {}: cannot open its log", slot, e);
            return CompletableFuture.failedFuture(e);
        }
        SlotDriver driver = new SlotDriver(slot, epoch, slotLog, threads.forSlot(slot), clock, limits, checkpoints,
                durableLatencyNanos);
        slots.put(driver);
        return driver.recover();
    }

    /** Stops serving {@code slot} and closes its log once what was appended is durable. */
    public CompletableFuture<Void> close(int slot) {
        SlotDriver d = slots.remove(slot);
        return d == null ? CompletableFuture.completedFuture(null) : d.release();
    }

    public void closeAll() {
        List<CompletableFuture<Void>> all = slots.all().stream().map(d -> close(d.slot())).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public void close() {
        closeAll();
    }
}
