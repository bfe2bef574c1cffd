package io.baton.broker.metrics;

import io.baton.broker.log.FlushListener;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotOwnershipState;
import io.baton.broker.slot.SlotCounters;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * A broker's meters. Queue depth and message rates are read from what each slot publishes after
 * its housekeeping tick (once a second), never from the slot threads' live state.
 */
public final class BrokerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer fsync;
    private final DistributionSummary groupCommit;
    private final Timer durable;

    public BrokerMetrics() {
        fsync = Timer.builder("baton.log.fsync").description("Time of one fsync (one group commit)")
                .publishPercentileHistogram().register(registry);
        groupCommit = DistributionSummary.builder("baton.log.group.commit.records")
                .description("Records made durable by one fsync").publishPercentileHistogram().register(registry);
        durable = Timer.builder("baton.log.append").description("From a command's append to its records being durable")
                .publishPercentileHistogram().register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public FlushListener flushListener() {
        return (nanos, records, bytes) -> {
            fsync.record(nanos, TimeUnit.NANOSECONDS);
            groupCommit.record(records);
        };
    }

    /** BookKeeper ledger add latency and fencing, in cluster mode. */
    public io.baton.broker.log.LedgerEvents ledgerEvents() {
        Timer add = Timer.builder("baton.ledger.add").description("From sending a ledger entry to its ack quorum confirming it")
                .publishPercentileHistogram().register(registry);
        io.micrometer.core.instrument.DistributionSummary records = io.micrometer.core.instrument.DistributionSummary
                .builder("baton.ledger.entry.records").description("Slot records per ledger entry (records that wait together go out as one)")
                .register(registry);
        io.micrometer.core.instrument.Counter fencedPrevious = io.micrometer.core.instrument.Counter.builder("baton.ledger.fencing")
                .description("Fencing events: ledgers this broker fenced taking a slot over, or writes here refused as fenced")
                .tag("event", "fenced_previous_owner").register(registry);
        io.micrometer.core.instrument.Counter fencedHere = io.micrometer.core.instrument.Counter.builder("baton.ledger.fencing")
                .description("Fencing events: ledgers this broker fenced taking a slot over, or writes here refused as fenced")
                .tag("event", "fenced_here").register(registry);
        return new io.baton.broker.log.LedgerEvents() {
            @Override
            public void added(long nanos, int entryRecords) {
                add.record(nanos, TimeUnit.NANOSECONDS);
                records.record(entryRecords);
            }

            @Override
            public void fencedPreviousOwner() {
                fencedPrevious.increment();
            }

            @Override
            public void fencedHere() {
                fencedHere.increment();
            }
        };
    }

    /** Ownership changes on this broker and how long taking a slot over took (log open, fencing, replay). */
    public io.baton.broker.runtime.SlotHost.Events slotEvents() {
        io.micrometer.core.instrument.Counter acquired = io.micrometer.core.instrument.Counter.builder("baton.slot.ownership.changes")
                .description("Slots this broker took over or gave up").tag("change", "acquired").register(registry);
        io.micrometer.core.instrument.Counter failed = io.micrometer.core.instrument.Counter.builder("baton.slot.ownership.changes")
                .description("Slots this broker took over or gave up").tag("change", "failed").register(registry);
        io.micrometer.core.instrument.Counter released = io.micrometer.core.instrument.Counter.builder("baton.slot.ownership.changes")
                .description("Slots this broker took over or gave up").tag("change", "released").register(registry);
        Timer recovery = Timer.builder("baton.slot.recovery").description("From taking a slot over to serving it")
                .publishPercentileHistogram().register(registry);
        return new io.baton.broker.runtime.SlotHost.Events() {
            @Override
            public void acquired(int slot, SlotDriver driver, long nanos, boolean ok) {
                (ok ? acquired : failed).increment();
                recovery.record(nanos, TimeUnit.NANOSECONDS);
                if (ok) {
                    startCounting(driver);
                }
            }

            @Override
            public void released(int slot, SlotDriver driver) {
                released.increment();
                stopCounting(driver);
            }
        };
    }

    private final io.micrometer.core.instrument.DistributionSummary retryDelays = io.micrometer.core.instrument.DistributionSummary
            .builder("baton.retry.delay").baseUnit("milliseconds")
            .description("How long jobs released by a failed handler wait before they are free again (queue retry backoff or the worker's)")
            .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(3_600_000.0).register(registry);

    private final Timer wakeLateness = Timer.builder("baton.work.wake.lateness")
            .description("How long after a lease ran out or a delayed or backed-off message fell due the workers waiting "
                    + "for it were woken on its slot's thread (the claim they then make is timed by baton.log.append)")
            .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
            .maximumExpectedValue(java.time.Duration.ofMinutes(1)).register(registry);

    /** Records what the slots decide and how late they wake their workers. */
    public io.baton.broker.runtime.SlotObserver slotObserver() {
        return new io.baton.broker.runtime.SlotObserver() {
            @Override
            public void retryDelay(long millis) {
                retryDelays.record(millis);
            }

            @Override
            public void wakeLateness(long millis) {
                wakeLateness.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
            }
        };
    }

    /** Queues named by the per-queue delayed gauge at most (the rest are in the broker's total). */
    static final int DELAYED_QUEUES_SHOWN = 100;

    private final io.micrometer.core.instrument.MultiGauge delayedByQueue = io.micrometer.core.instrument.MultiGauge
            .builder("baton.queue.messages.delayed")
            .description("Delayed messages of the queues with the most of them (at most " + DELAYED_QUEUES_SHOWN + " queues)")
            .register(registry);

    /** Refreshes the per-queue delayed gauge from what each slot reported at its last tick. */
    public void refreshQueueGauges(LocalSlots slots) {
        List<io.baton.broker.slot.Views.QueueCount> all = new java.util.ArrayList<>();
        for (SlotDriver d : slots.all()) {
            all.addAll(d.mostDelayed());
        }
        all.sort(java.util.Comparator.comparingLong(io.baton.broker.slot.Views.QueueCount::count).reversed());
        List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
        for (io.baton.broker.slot.Views.QueueCount c : all.subList(0, Math.min(DELAYED_QUEUES_SHOWN, all.size()))) {
            rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                    io.micrometer.core.instrument.Tags.of("project", c.project(), "queue", c.queue()), c.count()));
        }
        delayedByQueue.register(rows, true);
    }

    public void recordDurable(long nanos) {
        durable.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void bind(LocalSlots slots) {
        Gauge.builder("baton.messages", slots, s -> sum(s, SlotDriver::liveMessages) - sum(s, SlotDriver::claimedMessages)
                        - sum(s, SlotDriver::delayedMessages) - sum(s, SlotDriver::movingMessages))
                .tag("state", "free").description("Messages waiting to be claimed").register(registry);
        Gauge.builder("baton.messages", slots, s -> sum(s, SlotDriver::delayedMessages))
                .tag("state", "delayed").description("Messages whose delay is not over yet").register(registry);
        Gauge.builder("baton.messages", slots, s -> sum(s, SlotDriver::claimedMessages))
                .tag("state", "claimed").description("Messages under a valid claim").register(registry);
        Gauge.builder("baton.messages", slots, s -> sum(s, SlotDriver::movingMessages))
                .tag("state", "moving").description("Messages on their way to another queue (dead-lettered or redriven)")
                .register(registry);
        Gauge.builder("baton.slots.owned", slots,
                s -> s.all().stream().filter(d -> d.state() == SlotOwnershipState.SERVING).count())
                .description("Slots this broker serves").register(registry);
        counter(slots, "baton.messages.posted", "Messages posted", c -> c.messagesPosted);
        counter(slots, "baton.messages.claimed", "Messages handed out under a claim", c -> c.messagesClaimed);
        counter(slots, "baton.messages.deleted", "Messages deleted (acknowledged)", c -> c.messagesDeleted);
        counter(slots, "baton.messages.expired", "Messages whose TTL ran out", c -> c.messagesExpired);
        counter(slots, "baton.messages.redelivered", "Messages claimed again after a lease on them lapsed",
                c -> c.messagesRedelivered);
        counter(slots, "baton.messages.dead.lettered", "Messages moved to a dead-letter queue", c -> c.messagesDeadLettered);
        counter(slots, "baton.messages.redriven", "Messages moved back from a dead-letter queue", c -> c.messagesRedriven);
        counter(slots, "baton.claims.created", "Claims created", c -> c.claimsCreated);
        counter(slots, "baton.claims.expired", "Claims whose TTL ran out (their messages became claimable again)",
                c -> c.claimsExpired);
        for (io.baton.broker.slot.AttemptOutcome o : io.baton.broker.slot.AttemptOutcome.values()) {
            if (o != io.baton.broker.slot.AttemptOutcome.RUNNING) {
                FunctionCounter.builder("baton.attempts.ended", slots, s -> counted(s, c -> c.attemptsEnded(o)))
                        .tag("reason", o.code()).description("Attempts (claims of one message) ended, by how they ended")
                        .register(registry);
            }
        }
    }

    /** The memory budget, what it holds, writes it refused; the data disk's free space, where there is one. */
    public void bindAdmission(io.baton.broker.runtime.Admission admission, io.baton.broker.log.DiskSpace disk) {
        Gauge.builder("baton.memory.budget", admission, io.baton.broker.runtime.Admission::memoryBudget).baseUnit("bytes")
                .description("Heap the slots' state and writes in flight may take before new messages are refused")
                .register(registry);
        Gauge.builder("baton.memory.used", admission, io.baton.broker.runtime.Admission::used).baseUnit("bytes")
                .description("Heap the slots' state and writes in flight take, as estimated against the budget")
                .register(registry);
        FunctionCounter.builder("baton.writes.refused", admission, io.baton.broker.runtime.Admission::refused)
                .description("Writes refused with RESOURCE_EXHAUSTED: over the memory budget or short of disk").register(registry);
        if (disk != null) {
            Gauge.builder("baton.disk.free", disk, io.baton.broker.log.DiskSpace::usable).baseUnit("bytes")
                    .description("Free space on the data directory's disk").register(registry);
            Gauge.builder("baton.disk.low", disk, d -> d.low() ? 1 : 0)
                    .description("1 while the data disk is under its free-space floor (new messages refused)").register(registry);
            Gauge.builder("baton.disk.reserve.held", disk, d -> d.reserveHeld() ? 1 : 0)
                    .description("1 while the disk reserve file is in place (0: released for a full disk)").register(registry);
        }
    }

    /** How long the journal commit in progress has waited for the disk: a hung disk shows as a growing figure. */
    public void bindJournal(io.baton.broker.log.FileSlotLogFactory logs) {
        Gauge.builder("baton.log.commit.running", logs, l -> l.commitRunningNanos() / 1e9).baseUnit("seconds")
                .description("How long the journal commit in progress has been waiting for the disk (0: none runs)")
                .register(registry);
    }

    /** Publishes refused for a project's quota. (Per-project usage is left out: projects are unbounded labels.) */
    public void bindQuotas(io.baton.broker.quota.ProjectQuotas quotas) {
        FunctionCounter.builder("baton.writes.refused.quota", quotas, io.baton.broker.quota.ProjectQuotas::refused)
                .description("Publishes refused with RESOURCE_EXHAUSTED because their project was at its quota")
                .register(registry);
    }

    /** Slots assigned here that failed (their storage), and how often slots failed. */
    public void bindFailures(io.baton.broker.runtime.SlotHost host) {
        Gauge.builder("baton.slots.failed", host, h -> h.failures().size())
                .description("Slots assigned to this broker that cannot serve because their storage failed (see /health)")
                .register(registry);
        io.micrometer.core.instrument.Counter failures = io.micrometer.core.instrument.Counter.builder("baton.slot.failures")
                .description("Times a slot failed here (at open or while serving) and was scheduled to reopen").register(registry);
        host.onFailure(slot -> failures.increment());
    }

    /*
     * Message counters must only grow, whichever slots come and go (Prometheus reads a drop as a
     * reset). A slot's counters are replayed with its log, so they hold its whole history: this
     * broker counts, per slot it serves, what happened since it took the slot over (the counters
     * then are the baseline), and keeps what slots it gave up had counted.
     */
    private final java.util.Map<SlotDriver, SlotCounters> baselines = new java.util.IdentityHashMap<>();
    private final SlotCounters retired = new SlotCounters();

    private synchronized void startCounting(SlotDriver driver) {
        baselines.put(driver, driver.counters());
    }

    private synchronized void stopCounting(SlotDriver driver) {
        SlotCounters base = baselines.remove(driver);
        if (base != null) {
            retired.add(driver.counters(), base);
        }
    }

    private synchronized double counted(LocalSlots slots, ToLongFunction<SlotCounters> field) {
        long total = field.applyAsLong(retired);
        for (SlotDriver d : slots.all()) {
            SlotCounters base = baselines.get(d);
            if (base != null) {
                total += field.applyAsLong(d.counters()) - field.applyAsLong(base);
            }
        }
        return total;
    }

    /** A total this broker counted since it started, as its Prometheus counter reads it (never goes down). */
    public long total(LocalSlots slots, ToLongFunction<SlotCounters> field) {
        return (long) counted(slots, field);
    }

    private void counter(LocalSlots slots, String name, String description, ToLongFunction<SlotCounters> field) {
        FunctionCounter.builder(name, slots, s -> counted(s, field)).description(description).register(registry);
    }

    private static double sum(LocalSlots slots, ToLongFunction<SlotDriver> f) {
        long total = 0;
        for (SlotDriver d : slots.all()) {
            total += f.applyAsLong(d);
        }
        return total;
    }
}
