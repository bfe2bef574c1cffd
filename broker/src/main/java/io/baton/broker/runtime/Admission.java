package io.baton.broker.runtime;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Whether a write that grows what this broker holds (a publish, a new queue, metadata) may go
 * ahead, broker-wide. Two limits:
 * <ul>
 *   <li>The memory budget: what the slots hold (each slot reports its estimate after every
 *       command) plus the writes admitted and not yet finished must stay under it. A write that
 *       would pass it is refused whole, before anything is stored, so the heap never fills with
 *       waiting messages: producers get a retryable error instead of the broker an
 *       OutOfMemoryError.</li>
 *   <li>Storage: the log may refuse growth (a data directory short of free space).</li>
 * </ul>
 * Writes that shrink or keep what is held (claims, deletes, acks, releases) are never refused
 * here: they are how a backlog drains.
 *
 * <p>Threads: any. A write reserves its bytes and checks the total with one atomic add, so
 * concurrent writes never pass the budget together; the slots' own reports may lag by one
 * command each.
 */
public final class Admission {
    /** No limits (tests, tools). */
    public static Admission unlimited() {
        return new Admission(Long.MAX_VALUE, () -> null);
    }

    private final long memoryBudget;
    private final Supplier<String> storageRefusal;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** {@code storageRefusal} says why storage refuses growth now, or null. */
    public Admission(long memoryBudget, Supplier<String> storageRefusal) {
        if (memoryBudget < 1) {
            throw new IllegalArgumentException("memory budget must be positive");
        }
        this.memoryBudget = memoryBudget;
        this.storageRefusal = storageRefusal;
    }

    /**
     * The default budget: a third of the heap, less a working allowance per slot (its log
     * buffers). The rest is for what the budget does not count: the gateway, gRPC and ZooKeeper,
     * garbage between collections, and the columns a growing queue copies as it doubles.
     */
    public static long defaultMemoryBudget(long maxHeap, int slots) {
        return Math.max(16L << 20, maxHeap / 3 - (256L << 10) * slots);
    }

    /**
     * Reserves {@code bytes} for a growing write: null when it may go ahead (then call
     * {@link #release} once it finished, whatever the outcome), else why not.
     */
    public String admit(long bytes) {
        String storage = storageRefusal.get();
        if (storage != null) {
            refused.incrementAndGet();
            return storage;
        }
        if (held.get() + inFlight.addAndGet(bytes) > memoryBudget) {
            inFlight.addAndGet(-bytes);
            refused.incrementAndGet();
            return refusal();
        }
        return null;
    }

    private String refusal() {
        return "The broker holds as much as its memory budget allows (" + (held.get() >> 20) + " of "
                + (memoryBudget >> 20) + " MiB); new messages are refused until workers have drained some."
                + " Reads, claims and deletes still work.";
    }

    public void release(long bytes) {
        inFlight.addAndGet(-bytes);
    }

    /** What the slots hold changed by {@code delta} bytes. */
    public void heldChanged(long delta) {
        if (delta != 0) {
            held.addAndGet(delta);
        }
    }

    public long memoryBudget() {
        return memoryBudget;
    }

    /** Bytes the slots hold plus bytes of writes in flight. */
    public long used() {
        return held.get() + inFlight.get();
    }

    /** Writes refused so far. */
    public long refused() {
        return refused.get();
    }
}
