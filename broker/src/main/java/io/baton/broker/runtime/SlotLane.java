package io.baton.broker.runtime;

import io.baton.api.DaemonThreads;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A serial lane for the slots that share it: tasks run one at a time, in the order queued, each
 * seeing everything the earlier ones did. That is all a slot's state machine needs: one task at a
 * time, not one particular thread.
 *
 * <p>So a caller with a slot command may run it itself ({@link #executeHere}) when the lane is
 * idle, instead of waking the lane's own thread and waiting for it to be scheduled. Under load the
 * hand-off was the largest single cost of a request on two cores: a futex wake by the caller, a
 * park by the lane thread, and a context switch between them for every command. A caller that
 * finds the lane busy just queues its task; the holder runs it before letting go.
 *
 * <p>Rules that keep borrowing safe:
 * <ul>
 *   <li>Only threads that said so borrow ({@link #allowBorrowing}): today the callbacks of the
 *       broker's in-process gRPC server (the standalone gateway's event loops), and of its TCP
 *       server over file logs (the broker's own event loops), which nothing
 *       in storage ever waits for. A command submitted from any other thread goes to the lane's
 *       own thread as before. Were a storage callback thread (a BookKeeper or ZooKeeper client
 *       thread, the journal flusher) to run a slot command, the command could wait on a log's
 *       monitor held by a checkpoint that itself waits for that very thread. With every thread
 *       borrowing, the cluster chaos test stalled after a SIGKILL; why borrowing stays off for
 *       TCP callbacks over BookKeeper logs is in docs/DESIGN.md ("Slot lanes").</li>
 *   <li>Only tasks queued with {@link #executeHere} (short slot commands) run on a borrowing
 *       thread. Tasks queued with {@link #execute} (recovery replays, timers, housekeeping) run
 *       only on the lane's own thread: a borrower that meets one hands the lane over.</li>
 *   <li>A borrower runs at most {@link #BORROW_BUDGET} tasks, then hands the rest to the lane's
 *       thread, so an event loop that borrowed the lane is not kept from its own connections.</li>
 *   <li>Nobody ever waits for the lane: a busy lane means "queue and go". A task that queues more
 *       work on its own lane (directly or through callbacks) never runs it re-entrantly.</li>
 * </ul>
 *
 * <p>Threads: {@code held} is the lock. The thread that sets it from false to true owns the queue's
 * head until it sets it back; the volatile write and CAS order the tasks' effects between owners.
 */
public final class SlotLane implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SlotLane.class);
    static final int BORROW_BUDGET = 32;

    /** A task only the lane's own thread may run. */
    private record OwnThreadOnly(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    /** Whether this thread may run slot commands itself (see the class comment). */
    private static final ThreadLocal<Boolean> MAY_BORROW = ThreadLocal.withInitial(() -> false);

    /** Commands waiting on one lane at most ({@link #executeHere} refuses more): a bounded queue of work. */
    static final int MAX_QUEUED = 10_000;

    /** The lane has {@link #MAX_QUEUED} commands waiting: refused, nothing queued. */
    public static final class LaneFullException extends RejectedExecutionException {
        private final int queued;

        LaneFullException(int queued) {
            super("slot lane full: " + queued + " tasks waiting");
            this.queued = queued;
        }

        public int queued() {
            return queued;
        }
    }

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicBoolean held = new AtomicBoolean();
    private final ExecutorService thread;
    private volatile boolean closed;

    public SlotLane(String threadName) {
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.named(threadName));
    }

    /** Queues {@code task} for the lane's own thread. */
    @Override
    public void execute(Runnable task) {
        enqueue(new OwnThreadOnly(task));
        if (held.compareAndSet(false, true)) {
            handToThread();
        }
    }

    /**
     * Runs {@code task} on the calling thread if that thread may borrow and the lane is idle (then
     * also what queues behind it, within the budget); else queues it behind the running task, or
     * for the lane's own thread. Never waits for the lane.
     */
    public void executeHere(Runnable task) {
        int waiting = queued.get();
        if (waiting >= MAX_QUEUED) {
            throw new LaneFullException(waiting);
        }
        enqueue(task);
        if (held.compareAndSet(false, true)) {
            if (MAY_BORROW.get()) {
                drain(BORROW_BUDGET);
            } else {
                handToThread();
            }
        }
    }

    /** Sets whether the calling thread may borrow lanes; returns the previous setting, to restore. */
    public static boolean allowBorrowing(boolean allowed) {
        boolean previous = MAY_BORROW.get();
        MAY_BORROW.set(allowed);
        return previous;
    }

    private void enqueue(Runnable task) {
        if (closed) {
            throw new RejectedExecutionException("slot lane closed");
        }
        queued.incrementAndGet();
        tasks.add(task);
    }

    private void handToThread() {
        try {
            thread.execute(() -> drain(Integer.MAX_VALUE));
        } catch (RejectedExecutionException e) {
            // Closed: run what is left here rather than strand it (close waits for nothing else).
            drain(Integer.MAX_VALUE);
        }
    }

    /** Runs queued tasks while holding the lane; lets go, or hands over to the lane's thread. */
    private void drain(int budget) {
        boolean borrowed = budget != Integer.MAX_VALUE;
        int ran = 0;
        while (true) {
            Runnable next;
            while ((next = tasks.peek()) != null) {
                if (borrowed && (ran >= budget || next instanceof OwnThreadOnly)) {
                    handToThread(); // still held: the lane's thread carries on from here
                    return;
                }
                tasks.poll();
                queued.decrementAndGet();
                ran++;
                try {
                    next.run();
                } catch (RuntimeException | Error e) {
                    log.error("slot task failed", e);
                }
            }
            held.set(false);
            // A task queued after the last peek but before the release found the lane held and
            // left it to us: take the lane back for it (or leave it to whoever took it first).
            if (tasks.isEmpty() || !held.compareAndSet(false, true)) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
