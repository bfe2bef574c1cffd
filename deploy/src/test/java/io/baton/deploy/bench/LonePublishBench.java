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
 * <p>Run against a standalone: {@code java -cp deploy/target/test-classes:... 
 * io.baton.deploy.bench.LonePublishBench 127.0.0.1:7070 20 20} (target, warm-up seconds, seconds).
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
            Histogram h = run(client, queue, body, seconds);
            System.out.printf("lone publish (SDK, one job per call, one thread): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms; %.0f calls/s%n",
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0, h.getTotalCount() / (double) seconds);
            client.deleteQueue(queue);
        }
    }

    private static Histogram run(BatonClient client, String queue, String body, int seconds) {
        Histogram micros = new Histogram(3);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            client.publish(queue, List.of(new NewMessage(3600, body)));
            micros.recordValue((System.nanoTime() - t0) / 1000);
        }
        return micros;
    }
}
