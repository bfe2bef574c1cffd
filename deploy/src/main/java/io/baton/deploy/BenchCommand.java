package io.baton.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import io.baton.sdk.Producer;
import io.baton.sdk.Worker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code baton bench}: producers publish jobs (batched, durable) and streaming workers handle them
 * (the handler only acknowledges), in one process against a running standalone or cluster.
 * Reports end-to-end jobs/s and publish→handler latency (HdrHistogram; producers and workers share
 * this process's clock), redeliveries (a job handled twice), errors, and lost jobs (acknowledged
 * by the broker but never handled by the end of the drain).
 */
@Command(name = "bench", description = "Load generator: producers and streaming workers against running brokers.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--target", defaultValue = "${env:BATON_TARGET:-127.0.0.1:7070}", split = ",",
            description = "Broker gRPC addresses, any of them; the cluster map names the rest (default: the BATON_TARGET "
                    + "environment variable, else 127.0.0.1:7070).")
    String[] target;

    @Option(names = "--project", defaultValue = "${env:BATON_PROJECT:-bench}",
            description = "Project (default: the BATON_PROJECT environment variable, else bench).")
    String project;

    @Option(names = "--queue", description = "Queue (default: a new bench-<random> queue, deleted at the end).")
    String queue;

    @Mixin
    ClientOptions access;

    @Option(names = "--queues", defaultValue = "1", description = "Spread the load over this many queues (QUEUE-0, QUEUE-1, ...; "
            + "in a cluster they land in different slots, so on different brokers). Producers send round-robin; "
            + "workers are spread evenly (default: ${DEFAULT-VALUE}).")
    int queueCount;

    @Option(names = "--producers", defaultValue = "2", description = "Producer threads (default: ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--workers", defaultValue = "4", description = "Streaming workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--worker-concurrency", defaultValue = "2", description = "Handler threads per worker (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--max-outstanding", defaultValue = "128", description = "Jobs each worker may hold: the credits it gives the broker "
            + "(default: ${DEFAULT-VALUE}, past which more bought nothing measurable; bench/grpc/credits.sh).")
    int maxOutstanding;

    @Option(names = "--size", defaultValue = "256", description = "Job body size in bytes (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rate", defaultValue = "0", description = "Target jobs/s over all producers, for latency at a given load: "
            + "each job goes out when due, rarely batched, so the load generator spends several times the CPU per job of an "
            + "unthrottled run; 0: as fast as possible, batching with a 1 ms linger (default).")
    int rate;

    @Option(names = "--max-backlog", defaultValue = "20000", description = "Producers pause while this many jobs are sent "
            + "and not yet handled, so an unthrottled run measures what the system sustains end to end rather than a "
            + "backlog that grows without bound; 0: no bound (default: ${DEFAULT-VALUE}).")
    long maxBacklog;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of load (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "0", description = "Seconds of the same load before measuring, "
            + "not counted in the figures (JIT warm-up of both sides; default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--json", description = "End with one JSON line: jobs_per_sec, p50_ms, p99_ms, p999_ms, redeliveries, errors, lost, "
            + "bench_cpu_us_per_job (this process's CPU per job while measuring), and with --one-at-a-time publish_p50_ms "
            + "and publish_p99_ms.")
    boolean json;

    @Option(names = "--poison-rate", defaultValue = "0", description = "Fraction of jobs whose handler always fails (0-0.5): "
            + "they are retried until --max-attempts, then dead-lettered to QUEUE-dlq (default: ${DEFAULT-VALUE}).")
    double poisonRate;

    @Option(names = "--poison-burst", defaultValue = "1", description = "With --poison-rate: poison jobs come this many in a "
            + "row, as often as keeps the rate (default: ${DEFAULT-VALUE}: spread evenly).")
    int poisonBurst;

    @Option(names = "--max-attempts", defaultValue = "3", description = "With --poison-rate: the queue's _max_claim_count "
            + "(default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--one-at-a-time", description = "Each producer publishes one job per call and waits for its "
            + "acknowledgement before the next (a web request enqueueing a job), instead of batching; reports the publish "
            + "round trip's p50/p99/p99.9 as well.")
    boolean oneAtATime;

    @Option(names = "--turns", defaultValue = "0", description = "Seconds per turn (at least 2): warm up and measure in turns "
            + "A B B A ... of this length, each counted after its first second. With --poison-rate, only B's producers send "
            + "poison jobs, so the summary compares the poison load with the plain one inside the same two processes (this one "
            + "and the broker's); without, it compares the load with itself, which is the method's own noise. "
            + "0: no turns (default: ${DEFAULT-VALUE}).")
    int turnSeconds;

    @Option(names = "--broker-pid", defaultValue = "-1", description = "With --turns: a broker process on this machine whose CPU per "
            + "handled job to report for each kind of turn.")
    long brokerPid;

    /** With --turns (null otherwise): the producers ask it whether to send the poison load now. */
    private volatile Turns turns;

    @Override
    public Integer call() throws Exception {
        if (producers < 1 || workers < 1 || concurrency < 1 || size < 16 || seconds < 1 || warmupSeconds < 0 || rate < 0 || queueCount < 1
                || queueCount > workers || maxBacklog < 0 || !(poisonRate >= 0 && poisonRate <= 0.5) || maxAttempts < 1 || poisonBurst < 1
                || (turnSeconds != 0 && (turnSeconds < 2 || seconds < 2 * turnSeconds))) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "invalid load shape (and --queues must be 1..--workers; --turns at least 2 s, and --duration at least two turns)");
        }
        boolean ownQueue = queue == null;
        String q = ownQueue ? "bench-" + UUID.randomUUID().toString().substring(0, 8) : queue;
        List<String> queues = new ArrayList<>();
        for (int i = 0; i < queueCount; i++) {
            queues.add(queueCount == 1 ? q : q + "-" + i);
        }
        LongAdder published = new LongAdder();
        LongAdder handled = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder redeliveries = new LongAdder();
        LongAdder failures = new LongAdder();
        // Jobs sent but not yet handled or dead-lettered, at most --max-backlog: producers wait on
        // a permit, and each handled or given-up job hands one back (no polling, which would cost
        // this process CPU per second rather than per job).
        Semaphore backlog = new Semaphore(maxBacklog > 0 ? (int) Math.min(maxBacklog, Integer.MAX_VALUE) : Integer.MAX_VALUE);
        SeenJobs seen = new SeenJobs();
        Recorder latency = new Recorder(3);
        Histogram total = new Histogram(3);
        Recorder publishLatency = new Recorder(3);
        Histogram publishTotal = new Histogram(3);
        String padding = "x".repeat(Math.max(0, size - 40));

        try (BatonClient client = access.applyTo(BatonClient.builder().target(target).project(project)).callTimeout(Duration.ofSeconds(30)).build()) {
            queues.forEach(client::createQueue);
            if (poisonRate > 0) {
                for (String queue : queues) {
                    client.setMetadata(queue, "{\"_max_claim_count\": " + maxAttempts + ", \"_dead_letter_queue\": \"" + queue
                            + "-dlq\"}");
                }
            }
            List<Worker> fleet = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                fleet.add(Worker.builder(client).queue(queues.get(w % queues.size())).concurrency(concurrency).maxOutstanding(maxOutstanding)
                        .handler(job -> {
                            String body = job.bodyJson();
                            if (body.startsWith(POISON, body.indexOf(',') + 2)) {
                                failures.increment();
                                if (job.attempt() >= maxAttempts) {
                                    backlog.release(); // its last run: it leaves the queue now, as dead-lettered
                                }
                                throw new IllegalStateException("poison job");
                            }
                            long sentAt = Long.parseLong(body.substring(6, body.indexOf(',')));
                            latency.recordValue(Math.max(0, System.nanoTime() - sentAt) / 1000);
                            if (!seen.add(Long.parseLong(body.substring(body.lastIndexOf(' ') + 1, body.length() - 1)))) {
                                redeliveries.increment();
                            }
                            handled.increment();
                            backlog.release();
                        }).build().start());
            }
            turns = turnSeconds > 0 ? new Turns(turnSeconds * 1_000_000_000L, 1_000_000_000L) : null; // before the producers read it
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                Thread t = new Thread(() -> produce(client, queues, padding, running, backlog, published, errors, publishLatency),
                        "bench-producer-" + p);
                t.start();
                threads.add(t);
            }
            if (turns != null) {
                turns.run(warmupSeconds / turnSeconds / 2 * 2, handled::sum, () -> -1, () -> -1, false);
            } else {
                warmUp(handled, latency);
            }
            latency.getIntervalHistogram(); // the warm-up's latencies are not counted
            publishLatency.getIntervalHistogram();
            long handledBefore = handled.sum();
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            Turns.Summary byTurn = null;
            if (turns != null) {
                List<Turns.Turn> measured = turns.run(seconds / turnSeconds / 2 * 2, handled::sum, BenchCommand::processCpuNanos,
                        this::brokerCpuNanos, true);
                total.add(latency.getIntervalHistogram());
                byTurn = Turns.Summary.of(measured);
                System.out.println(byTurn.describe("A (plain)", poisonRate > 0 ? "B (poison)" : "B (plain)"));
            } else {
                measure(start, published, handled, errors, latency, total);
            }
            long cpuDuringLoad = processCpuNanos() - cpuBefore;
            publishTotal.add(publishLatency.getIntervalHistogram());
            long handledDuringLoad = handled.sum() - handledBefore;
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            // Drain: let workers finish what was published, as long as they make progress (an
            // unthrottled run can leave a large backlog). "lost" is what is still unhandled after
            // 30 s without progress.
            long lastProgress = System.nanoTime();
            long progress = handled.sum();
            long deadLettered = deadLettered(client, queues);
            while (handled.sum() - redeliveries.sum() + deadLettered < published.sum()
                    && System.nanoTime() - lastProgress < 30_000_000_000L) {
                Thread.sleep(50);
                deadLettered = deadLettered(client, queues);
                if (handled.sum() + deadLettered != progress) {
                    progress = handled.sum() + deadLettered;
                    lastProgress = System.nanoTime();
                }
            }
            total.add(latency.getIntervalHistogram());
            for (Worker w : fleet) {
                w.shutdown();
            }
            for (Worker w : fleet) {
                w.awaitTermination(Duration.ofSeconds(30));
            }
            long lost = Math.max(0, published.sum() - (handled.sum() - redeliveries.sum()) - deadLettered);
            double jobsPerSec = handledDuringLoad / loadSeconds;
            System.out.printf("summary: %d queue(s), %d producers, %d workers x %d, %d B jobs, %s: %.0f jobs/s end to end; "
                            + "publish->handler p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; published %d, handled %d, redeliveries %d, errors %d, lost %d%n",
                    queues.size(), producers, workers, concurrency, size, rate == 0 ? "unthrottled" : rate + " jobs/s target", jobsPerSec,
                    total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(99) / 1000.0,
                    total.getValueAtPercentile(99.9) / 1000.0, published.sum(), handled.sum(), redeliveries.sum(), errors.sum(), lost);
            if (oneAtATime) {
                System.out.printf("publish, one job per call: round trip p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms over %d calls%n",
                        publishTotal.getValueAtPercentile(50) / 1000.0, publishTotal.getValueAtPercentile(99) / 1000.0,
                        publishTotal.getValueAtPercentile(99.9) / 1000.0, publishTotal.getTotalCount());
            }
            if (poisonRate > 0) {
                System.out.printf("poison: %.2f%% of jobs, max %d attempts: %d handler failures, %d dead-lettered%n",
                        poisonRate * 100, maxAttempts, failures.sum(), deadLettered);
            }
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("jobs_per_sec", Math.round(jobsPerSec));
                o.put("p50_ms", total.getValueAtPercentile(50) / 1000.0);
                o.put("p99_ms", total.getValueAtPercentile(99) / 1000.0);
                o.put("p999_ms", total.getValueAtPercentile(99.9) / 1000.0);
                o.put("redeliveries", redeliveries.sum());
                o.put("errors", errors.sum());
                o.put("lost", lost);
                o.put("published", published.sum());
                o.put("handled", handled.sum());
                o.put("handler_failures", failures.sum());
                o.put("dead_lettered", deadLettered);
                if (oneAtATime) {
                    o.put("publish_p50_ms", publishTotal.getValueAtPercentile(50) / 1000.0);
                    o.put("publish_p99_ms", publishTotal.getValueAtPercentile(99) / 1000.0);
                }
                // What this load generator itself spent per job while measuring: with TLS, or on a
                // shared machine, the client's CPU is part of what a ratio compares.
                if (cpuBefore >= 0 && handledDuringLoad > 0) {
                    o.put("bench_cpu_us_per_job", Math.round(cpuDuringLoad / 1e3 / handledDuringLoad * 10) / 10.0);
                }
                if (byTurn != null) {
                    o.put("turn_pairs", byTurn.pairs());
                    o.put("turns_a_jobs_per_sec", Math.round(byTurn.aJobsPerSec()));
                    o.put("turns_b_jobs_per_sec", Math.round(byTurn.bJobsPerSec()));
                    o.put("turns_b_over_a", byTurn.ratio());
                    o.put("turns_b_over_a_median", byTurn.median());
                }
                System.out.println(new ObjectMapper().writeValueAsString(o));
            }
            if (ownQueue) {
                queues.forEach(client::deleteQueue);
                if (poisonRate > 0) {
                    queues.forEach(queue -> client.deleteQueue(queue + "-dlq"));
                }
            }
            return lost == 0 && errors.sum() == 0 ? 0 : 1;
        }
    }

    /** The warm-up: the same load, reported each second and not counted. */
    private void warmUp(LongAdder handled, Recorder latency) {
        long warmupStart = System.nanoTime();
        for (int s = 1; s <= warmupSeconds; s++) {
            LockSupport.parkNanos(warmupStart + s * 1_000_000_000L - System.nanoTime());
            Histogram interval = latency.getIntervalHistogram();
            System.out.printf("warm-up %2ds handled=%d p50=%.2fms p99=%.2fms%n", s, handled.sum(),
                    interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0);
        }
    }

    /** The measured seconds from {@code start}, a line each; their latencies go into {@code total}. */
    private void measure(long start, LongAdder published, LongAdder handled, LongAdder errors, Recorder latency, Histogram total) {
        long lastHandled = handled.sum();
        for (int s = 1; s <= seconds; s++) {
            LockSupport.parkNanos(start + s * 1_000_000_000L - System.nanoTime());
            Histogram interval = latency.getIntervalHistogram();
            total.add(interval);
            long h = handled.sum();
            System.out.printf("t=%2ds published=%d handled=%d jobs/s=%d p50=%.2fms p99=%.2fms errors=%d%n", s,
                    published.sum(), h, h - lastHandled, interval.getValueAtPercentile(50) / 1000.0,
                    interval.getValueAtPercentile(99) / 1000.0, errors.sum());
            lastHandled = h;
        }
    }

    /** CPU time of the {@code --broker-pid} process so far, or -1 if none was named or it cannot be read. */
    private long brokerCpuNanos() {
        if (brokerPid < 0) {
            return -1;
        }
        return ProcessHandle.of(brokerPid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
    }

    /** Waits for room in the backlog; false once the run is over. */
    private static boolean takePermit(Semaphore backlog, AtomicBoolean running) {
        try {
            while (running.get()) {
                if (backlog.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** CPU time of this process so far, or -1 where the platform does not tell. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private void produce(BatonClient client, List<String> queues, String padding, AtomicBoolean running, Semaphore backlog,
                         LongAdder published, LongAdder errors, Recorder publishLatency) {
        long perProducer = rate == 0 ? 0 : Math.max(1, rate / producers);
        // Of every poisonEvery * poisonBurst jobs, the last poisonBurst are poison.
        long poisonEvery = poisonRate > 0 ? Math.max(2, Math.round(1 / poisonRate)) * poisonBurst : 0;
        long intervalNanos = perProducer == 0 ? 0 : 1_000_000_000L / perProducer;
        long next = System.nanoTime();
        // One job at a time publishes through the client itself: no producer then (a null resource is skipped).
        try (Producer producer = oneAtATime ? null
                : Producer.builder(client).linger(Duration.ofMillis(rate == 0 ? 1 : 0)).maxInFlight(32).build()) {
            for (long n = 0; running.get(); n++) {
                String q = queues.get((int) (n % queues.size()));
                if (intervalNanos > 0) {
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                if (!takePermit(backlog, running)) {
                    break;
                }
                // {"t": <nanoTime>, "p": "xxx", "n": <job number>}: the handler reads the send time
                // back and counts redeliveries by number; a poison job has "z" where the others have "p".
                Turns inTurns = turns;
                boolean poison = poisonEvery > 0 && n % poisonEvery >= poisonEvery - poisonBurst && (inTurns == null || inTurns.inB());
                String body = "{\"t\": " + System.nanoTime() + (poison ? ", " + POISON + ": \"" : ", \"p\": \"") + padding
                        + "\", \"n\": " + JOB_NUMBERS.getAndIncrement() + "}";
                if (oneAtATime) {
                    long sent = System.nanoTime();
                    try {
                        client.publish(q, List.of(new NewMessage(3600, body)));
                        publishLatency.recordValue((System.nanoTime() - sent) / 1000);
                        published.increment();
                    } catch (RuntimeException e) {
                        errors.increment();
                        backlog.release();
                    }
                    continue;
                }
                producer.send(q, new NewMessage(3600, body)).whenComplete((id, e) -> {
                    if (e == null) {
                        published.increment();
                    } else {
                        errors.increment();
                        backlog.release(); // never published, so never handled
                    }
                });
            }
        }
    }

    /** Marks a poison job's body (where a plain job has "p"). */
    private static final String POISON = "\"z\"";
    /** Numbers every job this bench sends, across producers. */
    private static final java.util.concurrent.atomic.AtomicLong JOB_NUMBERS = new java.util.concurrent.atomic.AtomicLong();

    /** Messages in the queues' dead-letter queues. */
    private long deadLettered(BatonClient client, List<String> queues) {
        if (poisonRate == 0) {
            return 0;
        }
        long n = 0;
        for (String queue : queues) {
            try {
                n += client.stats(queue + "-dlq").total();
            } catch (io.baton.sdk.NotFoundException e) {
                // none dead-lettered yet: the queue is made by the first one
            }
        }
        return n;
    }

    /**
     * The jobs handled so far, to count redeliveries: one bit per job number (job ids are opaque).
     * A set of id strings would itself load the bench JVM's garbage collector, whose pauses then
     * show up in the latencies it measures.
     */
    private static final class SeenJobs {
        private final java.util.BitSet bits = new java.util.BitSet();

        /** True when the job was not seen before. */
        synchronized boolean add(long number) {
            int i = (int) number;
            if (bits.get(i)) {
                return false;
            }
            bits.set(i);
            return true;
        }
    }
}
