package io.baton.deploy.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ListDirection;

/**
 * {@code baton bench --one-at-a-time} against Redis used as a job queue, for a side-by-side
 * figure: producers {@code LPUSH} one job per call and wait for the reply; workers take jobs the
 * way Redis job libraries that do not lose a job to a crashed worker do ({@code BLMOVE} into a
 * per-worker processing list, then {@code LREM} from it as the acknowledgement), so a job costs
 * Redis three writes, as a job costs Baton a publish, a claim and a delete. Mode {@code pop}
 * takes jobs with {@code BRPOP} instead (a job is lost if its worker dies): two writes a job.
 * Publish round trip and publish→handler latency (a timestamp in the body) as HdrHistograms.
 *
 * <p>Run against {@code redis-server --appendonly yes --appendfsync always} (Redis's durable
 * mode: the append-only file is fsynced before replies go out):
 * {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.RedisBench 6379 2 2 256 20 20 reliable"}
 * (port, producers, workers, size, seconds, warm-up seconds, reliable|pop). Benchmark code, not
 * product code.
 */
public final class RedisBench {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int producers = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        boolean reliable = !"pop".equals(args[6]);
        LongAdder published = new LongAdder();
        LongAdder handled = new LongAdder();
        Recorder publishLatency = new Recorder(3);
        Recorder latency = new Recorder(3);
        AtomicBoolean running = new AtomicBoolean(true);
        String queue = "bench:" + System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            threads.add(new Thread(() -> {
                String pad = "x".repeat(Math.max(0, size - 40));
                try (Jedis r = new Jedis("127.0.0.1", port)) {
                    for (long n = 0; running.get(); n++) {
                        long sent = System.nanoTime();
                        r.lpush(queue, "{\"t\": " + sent + ", \"p\": \"" + pad + "\", \"n\": " + n + "}");
                        publishLatency.recordValue((System.nanoTime() - sent) / 1000);
                        published.increment();
                    }
                }
            }, "redis-producer-" + p));
        }
        for (int w = 0; w < workers; w++) {
            String processing = queue + ":processing:" + w;
            threads.add(new Thread(() -> {
                try (Jedis r = new Jedis("127.0.0.1", port)) {
                    while (running.get() || handled.sum() < published.sum()) {
                        String job;
                        if (reliable) {
                            job = r.blmove(queue, processing, ListDirection.RIGHT, ListDirection.LEFT, 1.0);
                        } else {
                            List<String> popped = r.brpop(1, queue);
                            job = popped == null || popped.isEmpty() ? null : popped.get(1);
                        }
                        if (job == null) {
                            continue;
                        }
                        long sentAt = Long.parseLong(job.substring(6, job.indexOf(',')));
                        latency.recordValue(Math.max(0, System.nanoTime() - sentAt) / 1000);
                        if (reliable) {
                            r.lrem(processing, 1, job);
                        }
                        handled.increment();
                    }
                }
            }, "redis-worker-" + w));
        }
        threads.forEach(Thread::start);
        Thread.sleep(warmup * 1000L);
        publishLatency.getIntervalHistogram();
        latency.getIntervalHistogram();
        long handledBefore = handled.sum();
        long publishedBefore = published.sum();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        Histogram publish = publishLatency.getIntervalHistogram();
        Histogram endToEnd = latency.getIntervalHistogram();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double jobsPerSec = (handled.sum() - handledBefore) / elapsed;
        double publishesPerSec = (published.sum() - publishedBefore) / elapsed;
        running.set(false);
        for (Thread t : threads) {
            t.join(60_000);
        }
        try (Jedis r = new Jedis("127.0.0.1", port)) {
            r.del(queue.getBytes(StandardCharsets.UTF_8));
        }
        System.out.printf("redis (%s): %d producers one job per call, %d workers, %d B: %.0f jobs/s end to end, %.0f publishes/s; "
                        + "publish round trip p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms; publish->handler p50 %.2f ms, p99 %.2f ms; "
                        + "published %d, handled %d%n",
                reliable ? "BLMOVE + LREM" : "BRPOP", producers, workers, size, jobsPerSec, publishesPerSec,
                publish.getValueAtPercentile(50) / 1000.0, publish.getValueAtPercentile(99) / 1000.0,
                publish.getValueAtPercentile(99.9) / 1000.0, endToEnd.getValueAtPercentile(50) / 1000.0,
                endToEnd.getValueAtPercentile(99) / 1000.0, published.sum(), handled.sum());
    }
}
