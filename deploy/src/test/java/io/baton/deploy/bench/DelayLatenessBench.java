package io.baton.deploy.bench;

import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import io.baton.sdk.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * How late delayed messages reach workers: messages posted at {@code rate} a second (posts of 20)
 * with delays spread evenly over 1-{@code maxDelay} seconds, so that as many fall due each second
 * as are posted; 4 streaming workers, waiting, take them. Each body carries the time the message
 * falls due (the post's send time plus its delay: the broker counts the delay from when it stores
 * the post, a little later, so the lateness printed is an upper bound). Prints p50, p99, p99.9 and
 * max lateness once the first {@code maxDelay} seconds have passed, and any message early.
 *
 * <p>Run against a standalone: {@code java -cp <deploy test classpath>
 * io.baton.deploy.bench.DelayLatenessBench 127.0.0.1:7070 2000 60 10} (address, messages/s,
 * seconds, longest delay in seconds).
 */
public final class DelayLatenessBench {
    public static void main(String[] args) throws Exception {
        String address = args.length > 0 ? args[0] : "127.0.0.1:7070";
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        int maxDelay = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        String queue = "delays-" + Long.toHexString(System.nanoTime());
        Recorder lateness = new Recorder(3);
        AtomicLong early = new AtomicLong();
        AtomicLong handled = new AtomicLong();
        try (BatonClient client = BatonClient.builder().target(address).project("bench").callTimeout(Duration.ofSeconds(30)).build()) {
            client.createQueue(queue);
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                workers.add(Worker.builder(client).queue(queue).concurrency(4).maxOutstanding(64).handler(job -> {
                    long late = System.currentTimeMillis() - Long.parseLong(job.bodyJson());
                    if (late < 0) {
                        early.incrementAndGet();
                    } else {
                        lateness.recordValue(late);
                    }
                    handled.incrementAndGet();
                }).build().start());
            }
            ScheduledExecutorService poster = Executors.newSingleThreadScheduledExecutor();
            long start = System.nanoTime();
            AtomicLong posted = new AtomicLong();
            List<CompletableFuture<?>> pending = new java.util.concurrent.CopyOnWriteArrayList<>();
            poster.scheduleAtFixedRate(() -> {
                long due = Math.min((long) rate * seconds, (System.nanoTime() - start) * rate / 1_000_000_000L);
                while (posted.get() + 20 <= due) {
                    List<NewMessage> batch = new ArrayList<>(20);
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < 20; i++) {
                        int delay = 1 + ThreadLocalRandom.current().nextInt(maxDelay);
                        batch.add(new NewMessage(3600, Long.toString(now + delay * 1000L)).withDelay(Duration.ofSeconds(delay)));
                    }
                    pending.add(client.publishAsync(queue, batch));
                    posted.addAndGet(20);
                }
            }, 0, 5, TimeUnit.MILLISECONDS);
            Thread.sleep(maxDelay * 1000L + 1000);
            lateness.getIntervalHistogram(); // the first seconds: fewer messages fall due than are posted
            Thread.sleep((seconds - maxDelay - 1) * 1000L);
            poster.shutdown();
            poster.awaitTermination(5, TimeUnit.SECONDS);
            var h = lateness.getIntervalHistogram();
            pending.forEach(CompletableFuture::join);
            System.out.printf("%,d delayed messages/s for %d s, delays 1-%d s: lateness p50 %d ms, p99 %d ms, p99.9 %d ms,"
                    + " max %d ms over %,d messages; %d early%n", rate, seconds, maxDelay, h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(), h.getTotalCount(), early.get());
            while (handled.get() < posted.get()) {
                Thread.sleep(100);
            }
            workers.forEach(Worker::shutdown);
            client.deleteQueue(queue);
        }
    }
}
