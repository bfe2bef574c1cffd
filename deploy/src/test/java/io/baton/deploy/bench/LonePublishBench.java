package io.baton.deploy.bench;

import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A lone publish: one thread publishes one 256-byte job per call through the SDK and waits for its
 * acknowledgement, with nothing else running (no workers, no other producer), so each call pays the
 * whole path from the SDK to the fsync and back on its own. Prints the round trip's p50/p90/p99
 * after a warm-up. The queue is deleted at the end.
 *
 * <p>With a fourth argument {@code stats}, it then measures the same way a call that writes
 * nothing (the queue's stats: the same client, connection, routing and slot, no log append, no
 * fsync): the transport's own round trip, which a publish pays on top of its fsync.
 *
 * <p>Run against a standalone: {@code java -cp deploy/target/test-classes:... 
 * io.baton.deploy.bench.LonePublishBench 127.0.0.1:7070 20 20 [stats]} (target, warm-up seconds, seconds).
 */
public final class LonePublishBench {
    public static void main(String[] args) throws Exception {
        String target = args[0];
        int warmup = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        String body = "{\"p\": \"" + "x".repeat(245) + "\"}";
        try (BatonClient client = BatonClient.builder().target(target).project("bench").build()) {
            String queue = "lone-" + System.nanoTime();
            client.createQueue(queue);
            run(client, queue, body, warmup);
            print("lone publish (SDK, one job per call, one thread)", run(client, queue, body, seconds), seconds);
            if (args.length > 3 && args[3].equals("stats")) {
                Runnable stats = () -> client.stats(queue);
                time(stats, warmup);
                print("lone stats (SDK, writes nothing, one thread)", time(stats, seconds), seconds);
            }
            client.deleteQueue(queue);
        }
    }

    private static Histogram run(BatonClient client, String queue, String body, int seconds) {
        return time(() -> client.publish(queue, List.of(new NewMessage(3600, body))), seconds);
    }

    /** Runs {@code call} back to back for {@code seconds}; the round trips in microseconds. */
    static Histogram time(Runnable call, int seconds) {
        Histogram micros = new Histogram(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            call.run();
            micros.recordValue((System.nanoTime() - t0) / 1000);
        }
        return micros;
    }

    /** Prints the round trips {@code h} measured over {@code seconds}. */
    static void print(String what, Histogram h, int seconds) {
        System.out.printf("%s: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms; %.0f calls/s%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getTotalCount() / (double) seconds);
    }
}
