package io.baton.broker.runtime;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The streaming workers waiting on one slot's queues for free messages, and the timers that wake
 * them when a claim (or a delay hold) runs out. A waiter is a task run once on the slot's thread
 * when messages may be free again: after a record that frees messages in its queue, at the
 * queue's next claim expiry, or when the slot stops serving (its next claim is then refused, and
 * its stream closes). No polling.
 *
 * <p>Slot thread only, except {@link #forget} and {@link #count}.
 */
final class WorkWaiters {
    private final SlotLane thread;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    /** Run before waiters are: applies expiries due by now, so woken claims find the messages. */
    private final Runnable beforeWake;
    /** Told how many ms after its expiry a timer woke a queue's waiters (see {@link SlotObserver#wakeLateness}). */
    private final java.util.function.LongConsumer wakeLateness;

    private final Map<String, Set<Runnable>> waiters = new HashMap<>();
    /** When each queue's pending claim-expiry wake-up fires (epoch ms). */
    private final Map<String, Long> timerAt = new HashMap<>();

    /**
     * The slot thread while it runs waiters (null otherwise). A claim a woken waiter issues then is
     * decided at once, in the same task as the publish or release that woke it, so its record is
     * appended right behind that one and normally made durable by the same fsync: a job published
     * to a waiting worker costs one fsync before it is pushed, not two in sequence. Compared with
     * the current thread, so another thread never mistakes itself for the slot thread.
     */
    private Thread wakingOn;

    WorkWaiters(SlotLane thread, ScheduledExecutorService timers, Clock clock, Runnable beforeWake,
                java.util.function.LongConsumer wakeLateness) {
        this.thread = thread;
        this.timers = timers;
        this.clock = clock;
        this.beforeWake = beforeWake;
        this.wakeLateness = wakeLateness;
    }

    /** Whether the calling thread is running waiters right now (any thread may ask). */
    boolean waking() {
        return wakingOn == Thread.currentThread();
    }

    /**
     * Registers {@code whenFree} on a queue (once: a task already waiting there is not added
     * twice), and a timer for {@code nextExpiry} (epoch ms; {@code Long.MAX_VALUE} for none) unless
     * one fires earlier. One timer per queue: a timer per wait would pile up (workers wait
     * thousands of times a second, a lease lasts a minute).
     */
    void await(String project, String queue, Runnable whenFree, long nextExpiry) {
        String key = key(project, queue);
        waiters.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(whenFree);
        Long scheduled = timerAt.get(key);
        if (nextExpiry != Long.MAX_VALUE && (scheduled == null || nextExpiry < scheduled)) {
            timerAt.put(key, nextExpiry);
            long delay = Math.max(1, nextExpiry - clock.millis() + 1);
            timers.schedule(() -> {
                try {
                    thread.execute(() -> {
                        timerAt.remove(key, nextExpiry);
                        if (waiters.containsKey(key)) {
                            // Only a wake-up someone waited for: a timer that finds its waiters gone
                            // (woken by a post or a release meanwhile) kept nobody waiting.
                            wakeLateness.accept(clock.millis() - nextExpiry);
                            wake(key);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // shutting down
                }
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Forgets {@code whenFree} (its stream closed): a waiter on a queue that never gets a message,
     * or a stream that went away, leaves nothing behind. Any thread.
     */
    void forget(String project, String queue, Runnable whenFree) {
        String key = key(project, queue);
        try {
            thread.execute(() -> {
                Set<Runnable> w = waiters.get(key);
                if (w != null && w.remove(whenFree) && w.isEmpty()) {
                    waiters.remove(key);
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: the waiters go with the slot
        }
    }

    /** How many waiters are registered, counted on the slot thread. Any thread. */
    CompletableFuture<Integer> count() {
        CompletableFuture<Integer> out = new CompletableFuture<>();
        thread.execute(() -> out.complete(waiters.values().stream().mapToInt(Set::size).sum()));
        return out;
    }

    /** Runs (and forgets) the waiters of a queue. */
    void wake(String project, String queue) {
        wake(key(project, queue));
    }

    /** Runs (and forgets) every waiter: the slot stopped serving. */
    void wakeAll() {
        List.copyOf(waiters.keySet()).forEach(this::wake);
    }

    private void wake(String key) {
        Set<Runnable> w = waiters.remove(key);
        if (w != null) {
            beforeWake.run();
            Thread previous = wakingOn;
            wakingOn = Thread.currentThread();
            try {
                w.forEach(Runnable::run);
            } finally {
                wakingOn = previous;
            }
        }
    }

    private static String key(String project, String queue) {
        return project + '\0' + queue;
    }
}
