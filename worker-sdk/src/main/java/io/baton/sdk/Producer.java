package io.baton.sdk;

import io.baton.api.Limits;
import io.baton.api.QueueNames;
import io.baton.sdk.internal.RequestIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Asynchronous, batching publisher. {@link #send} returns at once with a future of the message's
 * id; messages for the same queue are gathered into one publish of up to {@code maxBatch}
 * messages, sent when the batch is full or {@code linger} after its first message. Each batch
 * carries a request id, so the SDK's retries (UNAVAILABLE, NOT_OWNER, with backoff) never store a
 * batch twice. At most {@code maxInFlight} batches wait for the broker; beyond that, {@link #send}
 * blocks (back-pressure instead of unbounded memory).
 *
 * <p>Thread-safe. {@link #close} sends what is pending and waits for it.
 */
public final class Producer implements AutoCloseable {
    private final BatonClient client;
    private final int maxBatch;
    private final Duration linger;
    private final Semaphore inFlight;
    private final ScheduledExecutorService timer;
    private final Map<String, Batch> open = new HashMap<>();
    private final List<CompletableFuture<?>> sent = new ArrayList<>();
    private boolean closed;

    private final class Batch {
        final String queue;
        final List<NewMessage> messages = new ArrayList<>();
        final List<CompletableFuture<String>> ids = new ArrayList<>();

        Batch(String queue) {
            this.queue = queue;
        }
    }

    private Producer(Builder b) {
        this.client = b.client;
        this.maxBatch = b.maxBatch;
        this.linger = b.linger;
        this.inFlight = new Semaphore(b.maxInFlight);
        this.timer = Executors.newSingleThreadScheduledExecutor(io.baton.api.DaemonThreads.named("baton-producer-linger"));
    }

    public static Builder builder(BatonClient client) {
        return new Builder(client);
    }

    public static final class Builder {
        private final BatonClient client;
        private int maxBatch = Limits.MESSAGES_PER_POST_MAX;
        private Duration linger = Duration.ofMillis(1);
        private int maxInFlight = 64;

        private Builder(BatonClient client) {
            this.client = Objects.requireNonNull(client);
        }

        /** Messages per publish, 1-20 (default 20). */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** How long a batch waits for company after its first message (default 1 ms; 0: send at once). */
        public Builder linger(Duration linger) {
            this.linger = linger;
            return this;
        }

        /** Batches awaiting the broker before {@link #send} blocks (default 64). */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Producer build() {
            if (maxBatch < 1 || maxBatch > Limits.MESSAGES_PER_POST_MAX) {
                throw new IllegalArgumentException("maxBatch must be 1-" + Limits.MESSAGES_PER_POST_MAX);
            }
            if (linger == null || linger.isNegative()) {
                throw new IllegalArgumentException("linger must not be negative");
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1");
            }
            return new Producer(this);
        }
    }

    /** Queues {@code message} for {@code queue}; the future completes with its id once it is durable. */
    public CompletableFuture<String> send(String queue, NewMessage message) {
        if (!QueueNames.isValid(queue)) {
            return CompletableFuture.failedFuture(new InvalidRequestException("invalid queue name: " + queue, null));
        }
        CompletableFuture<String> id = new CompletableFuture<>();
        Batch full = null;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("producer closed"));
            }
            Batch b = open.get(queue);
            if (b == null) {
                b = new Batch(queue);
                open.put(queue, b);
                if (!linger.isZero()) {
                    Batch scheduled = b;
                    timer.schedule(() -> flush(scheduled), linger.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
            b.messages.add(message);
            b.ids.add(id);
            if (b.messages.size() >= maxBatch || linger.isZero()) {
                open.remove(queue);
                full = b;
            }
        }
        if (full != null) {
            publish(full);
        }
        return id;
    }

    private void flush(Batch b) {
        synchronized (this) {
            if (open.get(b.queue) != b) {
                return; // already sent (it filled up)
            }
            open.remove(b.queue);
        }
        publish(b);
    }

    private void publish(Batch b) {
        inFlight.acquireUninterruptibly();
        CompletableFuture<PublishResult> f = client.publishAsync(b.queue, b.messages, RequestIds.next());
        synchronized (this) {
            sent.removeIf(CompletableFuture::isDone);
            sent.add(f);
        }
        f.whenComplete((r, e) -> {
            inFlight.release();
            for (int i = 0; i < b.ids.size(); i++) {
                if (e != null) {
                    b.ids.get(i).completeExceptionally(e);
                } else {
                    b.ids.get(i).complete(r.ids().get(i));
                }
            }
        });
    }

    /** Sends every open batch now and waits until all sent batches are answered. */
    public void flush() {
        List<Batch> pending;
        synchronized (this) {
            pending = new ArrayList<>(open.values());
            open.clear();
        }
        pending.forEach(this::publish);
        List<CompletableFuture<?>> waiting;
        synchronized (this) {
            waiting = new ArrayList<>(sent);
        }
        for (CompletableFuture<?> f : waiting) {
            try {
                f.join();
            } catch (RuntimeException e) {
                // reported through the message futures
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        flush();
        timer.shutdownNow();
    }
}
