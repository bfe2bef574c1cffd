package io.baton.deploy.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import io.baton.sdk.PublishResult;
import io.baton.sdk.Worker;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A backlog far larger than memory, side by side: publish {@code n} messages of {@code size} bytes
 * with nobody consuming (every one confirmed durable before it counts), then drain them all with
 * consumers that acknowledge each. Prints each phase's rate; the script around it
 * ({@code bench/backlog/run.sh}) measures the server's memory and disk between the phases and its
 * restart with the backlog.
 *
 * <p>The same shape for each system: 4 publishing threads with up to 64 batches (Baton: posts of
 * 20) or 1,280 single messages (peers: confirms) in flight each; 4 consumers.
 * <ul>
 *   <li>{@code baton}: the SDK against a standalone's gRPC port; streaming workers drain.</li>
 *   <li>{@code rabbitmq}: a quorum queue (bodies on disk, the reference the issue names),
 *       persistent messages, publisher confirms; consumers with a prefetch of 256 and an ack each.</li>
 *   <li>{@code nats}: a JetStream stream with file storage and work-queue retention (an acked
 *       message goes), async publishes awaiting their acks; pull consumers fetching 256 at a time,
 *       an ack each.</li>
 * </ul>
 *
 * <p>Run: {@code java -cp <deploy test classpath> io.baton.deploy.bench.BacklogBench SYSTEM publish|drain ADDRESS N SIZE}
 */
public final class BacklogBench {
    private static final int THREADS = 4;
    private static final String QUEUE = "backlog";

    public static void main(String[] args) throws Exception {
        String system = args[0];
        String phase = args[1];
        String address = args[2];
        long n = Long.parseLong(args[3]);
        int size = Integer.parseInt(args[4]);
        long t0 = System.nanoTime();
        long done = switch (system + " " + phase) {
            case "baton publish" -> batonPublish(address, n, size);
            case "baton drain" -> batonDrain(address, n);
            case "rabbitmq publish" -> rabbitPublish(address, n, size);
            case "rabbitmq drain" -> rabbitDrain(address, n);
            case "nats publish" -> natsPublish(address, n, size);
            case "nats drain" -> natsDrain(address, n);
            case "nats await" -> natsAwait(address, n);
            default -> throw new IllegalArgumentException("usage: baton|rabbitmq|nats publish|drain ADDRESS N SIZE");
        };
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s %s: %,d messages in %.1f s = %,.0f msg/s%n", system, phase, done, seconds, done / seconds);
    }

    private static String body(int size) {
        return "\"" + "x".repeat(Math.max(0, size - 2)) + "\"";
    }

    /** Splits {@code n} over the threads and runs {@code work(count)} on each; returns the sum. */
    private static long onThreads(long n, ThrowingWork work) throws InterruptedException {
        AtomicLong total = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long share = n / THREADS + (t < n % THREADS ? 1 : 0);
            Thread th = new Thread(() -> {
                try {
                    total.addAndGet(work.run(share));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        return total.get();
    }

    interface ThrowingWork {
        long run(long count) throws Exception;
    }

    private static void progress(LongAdder counter, long n) {
        Thread t = new Thread(() -> {
            long last = 0;
            while (true) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    return;
                }
                long now = counter.sum();
                System.out.printf("  %,d of %,d (%,d msg/s over the last 10 s)%n", now, n, (now - last) / 10);
                last = now;
                if (now >= n) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    // ---------------------------------------------------------------- Baton

    private static long batonPublish(String address, long n, int size) throws Exception {
        try (BatonClient client = BatonClient.builder().target(address).project("bench").callTimeout(Duration.ofSeconds(60)).build()) {
            client.createQueue(QUEUE);
            List<NewMessage> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(new NewMessage(1_209_600, body(size)));
            }
            LongAdder sent = new LongAdder();
            progress(sent, n);
            return onThreads(n, count -> {
                Semaphore inFlight = new Semaphore(64);
                AtomicLong failed = new AtomicLong();
                for (long i = 0; i < count; i += 20) {
                    List<NewMessage> these = count - i >= 20 ? batch : batch.subList(0, (int) (count - i));
                    inFlight.acquire();
                    CompletableFuture<PublishResult> f = client.publishAsync(QUEUE, these);
                    f.whenComplete((r, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        } else {
                            sent.add(these.size());
                        }
                        inFlight.release();
                    });
                }
                inFlight.acquire(64);
                if (failed.get() > 0) {
                    throw new IllegalStateException(failed.get() + " posts failed");
                }
                return count;
            });
        }
    }

    private static long batonDrain(String address, long n) throws Exception {
        try (BatonClient client = BatonClient.builder().target(address).project("bench").callTimeout(Duration.ofSeconds(60)).build()) {
            LongAdder handled = new LongAdder();
            progress(handled, n);
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                workers.add(Worker.builder(client).queue(QUEUE).concurrency(2).maxOutstanding(256)
                        .handler(job -> handled.increment()).build().start());
            }
            while (client.stats(QUEUE).total() > 0) {
                Thread.sleep(200);
            }
            for (Worker w : workers) {
                w.shutdown();
            }
            for (Worker w : workers) {
                w.awaitTermination(Duration.ofSeconds(30));
            }
            return handled.sum();
        }
    }

    // ---------------------------------------------------------------- RabbitMQ

    private static ConnectionFactory rabbit(String address) {
        ConnectionFactory f = new ConnectionFactory();
        String[] hp = address.split(":");
        f.setHost(hp[0]);
        f.setPort(Integer.parseInt(hp[1]));
        return f;
    }

    private static long rabbitPublish(String address, long n, int size) throws Exception {
        byte[] body = body(size).getBytes(StandardCharsets.UTF_8);
        try (Connection setup = rabbit(address).newConnection(); Channel ch = setup.createChannel()) {
            ch.queueDeclare(QUEUE, true, false, false, Map.of("x-queue-type", "quorum"));
        }
        LongAdder sent = new LongAdder();
        progress(sent, n);
        return onThreads(n, count -> {
            try (Connection c = rabbit(address).newConnection(); Channel ch = c.createChannel()) {
                ch.confirmSelect();
                Semaphore window = new Semaphore(1280);
                ch.addConfirmListener((tag, multiple) -> release(ch, window, sent, tag, multiple),
                        (tag, multiple) -> {
                            throw new IllegalStateException("a publish was refused (nack)");
                        });
                AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
                for (long i = 0; i < count; i++) {
                    window.acquire();
                    // Only this thread publishes on ch: the tag is pending before its confirm can come.
                    pending(ch).add(ch.getNextPublishSeqNo());
                    ch.basicPublish("", QUEUE, persistent, body);
                }
                window.acquire(1280);
                return count;
            }
        });
    }

    private static final Map<Channel, ConcurrentSkipListSet<Long>> PENDING = new ConcurrentHashMap<>();

    private static ConcurrentSkipListSet<Long> pending(Channel ch) {
        return PENDING.computeIfAbsent(ch, k -> new ConcurrentSkipListSet<>());
    }

    /** A confirm of one tag, or of every tag up to it ({@code multiple}): frees that much of the window. */
    private static void release(Channel ch, Semaphore window, LongAdder sent, long tag, boolean multiple) {
        ConcurrentSkipListSet<Long> p = pending(ch);
        int confirmed = 0;
        if (multiple) {
            for (Long t = p.pollFirst(); t != null; t = p.pollFirst()) {
                if (t > tag) {
                    p.add(t);
                    break;
                }
                confirmed++;
            }
        } else if (p.remove(tag)) {
            confirmed = 1;
        }
        sent.add(confirmed);
        window.release(confirmed);
    }

    private static long rabbitDrain(String address, long n) throws Exception {
        LongAdder handled = new LongAdder();
        progress(handled, n);
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Connection c = rabbit(address).newConnection();
            connections.add(c);
            Channel ch = c.createChannel();
            ch.basicQos(256);
            ch.basicConsume(QUEUE, false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body) throws java.io.IOException {
                    handled.increment();
                    getChannel().basicAck(envelope.getDeliveryTag(), false);
                }
            });
        }
        while (handled.sum() < n) {
            Thread.sleep(100);
        }
        for (Connection c : connections) {
            c.close();
        }
        return handled.sum();
    }

    // ---------------------------------------------------------------- NATS JetStream

    private static long natsPublish(String address, long n, int size) throws Exception {
        byte[] body = body(size).getBytes(StandardCharsets.UTF_8);
        try (io.nats.client.Connection nc = Nats.connect("nats://" + address)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name(QUEUE).subjects(QUEUE).storageType(StorageType.File)
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .maxBytes(-1).maxMessages(-1).build());
        }
        LongAdder sent = new LongAdder();
        progress(sent, n);
        return onThreads(n, count -> {
            try (io.nats.client.Connection nc = Nats.connect("nats://" + address)) {
                JetStream js = nc.jetStream();
                Semaphore window = new Semaphore(1280);
                AtomicLong failed = new AtomicLong();
                for (long i = 0; i < count; i++) {
                    window.acquire();
                    CompletableFuture<PublishAck> f = js.publishAsync(QUEUE, body);
                    f.whenComplete((a, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        } else {
                            sent.increment();
                        }
                        window.release();
                    });
                }
                window.acquire(1280);
                if (failed.get() > 0) {
                    throw new IllegalStateException(failed.get() + " publishes failed");
                }
                return count;
            }
        });
    }

    /** Waits until the stream answers with all {@code n} messages (after a restart). */
    private static long natsAwait(String address, long n) throws Exception {
        while (true) {
            try (io.nats.client.Connection nc = Nats.connect("nats://" + address)) {
                long count = nc.jetStreamManagement().getStreamInfo(QUEUE).getStreamState().getMsgCount();
                if (count >= n) {
                    return count;
                }
            } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
    }

    private static long natsDrain(String address, long n) throws Exception {
        try (io.nats.client.Connection setup = Nats.connect("nats://" + address)) {
            setup.jetStreamManagement().addOrUpdateConsumer(QUEUE, ConsumerConfiguration.builder().durable("drain")
                    .filterSubject(QUEUE).ackPolicy(AckPolicy.Explicit).maxAckPending(-1).build());
        }
        LongAdder handled = new LongAdder();
        progress(handled, n);
        AtomicLong remaining = new AtomicLong(n);
        return onThreads(n, count -> {
            try (io.nats.client.Connection nc = Nats.connect("nats://" + address)) {
                JetStreamSubscription sub = nc.jetStream().subscribe(QUEUE, PullSubscribeOptions.bind(QUEUE, "drain"));
                long mine = 0;
                while (remaining.get() > 0) {
                    List<Message> got = sub.fetch(256, Duration.ofSeconds(1));
                    for (Message m : got) {
                        m.ack();
                        mine++;
                        handled.increment();
                        remaining.decrementAndGet();
                    }
                }
                nc.flush(Duration.ofSeconds(10));
                return mine;
            }
        });
    }
}
