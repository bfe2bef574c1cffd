package io.baton.broker.runtime;

import io.baton.broker.log.FileSlotLog;
import io.baton.broker.log.FlushListener;
import io.baton.broker.log.Journal;
import io.baton.broker.log.LogFlusher;
import io.baton.broker.slot.SlotLimits;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One slot served the way a standalone broker serves it, on real files in {@code dir}: a journal,
 * the slot's log, a slot lane and the given shared resources. A slot can be released and opened
 * again (a restart), as often as a test likes. Close it after the test.
 */
final class FileSlotHarness implements AutoCloseable {
    private final Path dir;
    private final SlotResources resources;
    private final Clock clock;
    private final SlotLimits limits;
    private final SlotLane lane = new SlotLane("test-slot-thread");
    private LogFlusher flusher;

    FileSlotHarness(Path dir, SlotResources resources) {
        this(dir, resources, Clock.systemUTC(), SlotLimits.v1());
    }

    FileSlotHarness(Path dir, SlotResources resources, Clock clock, SlotLimits limits) {
        this.dir = dir;
        this.resources = resources;
        this.clock = clock;
        this.limits = limits;
    }

    /** Opens slot {@code slot} under {@code epoch}; {@code beforeRecovery} may tune the driver first. */
    SlotDriver open(int slot, long epoch, Consumer<SlotDriver> beforeRecovery) throws Exception {
        flusher = new LogFlusher("test-journal", Journal.open(dir.resolve("journal"), Journal.DEFAULT_SEGMENT_BYTES),
                FlushListener.NONE);
        SlotDriver d = new SlotDriver(slot, epoch, FileSlotLog.open(dir.resolve("slot"), slot, flusher, 64 << 10), lane,
                clock, limits, CheckpointPolicy.defaults(), nanos -> { }, resources);
        beforeRecovery.accept(d);
        d.recover().get(30, TimeUnit.SECONDS);
        return d;
    }

    /** Stops serving {@code d} once what it appended is durable, and closes its journal. */
    void release(SlotDriver d) throws Exception {
        d.release().get(30, TimeUnit.SECONDS);
        flusher.close();
        flusher = null;
    }

    @Override
    public void close() {
        lane.close();
        resources.close();
        if (flusher != null) {
            flusher.close();
        }
    }
}
