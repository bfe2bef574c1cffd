package io.baton.examples;

import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import io.baton.sdk.Producer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Posts jobs with the batching {@link Producer}: {@code send} returns at once, messages are
 * gathered into publishes of up to 20, and each future completes with the job's id once durable.
 *
 * <p>Run against {@code bin/baton standalone}: {@code examples/run ProducerExample [count] [queue]}.
 */
public final class ProducerExample {
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String queue = args.length > 1 ? args[1] : "jobs";
        try (BatonClient client = BatonClient.builder().target("127.0.0.1:7070").project("examples").fromEnvironment().build();
             Producer producer = Producer.builder(client).linger(Duration.ofMillis(2)).build()) {
            client.createQueue(queue);
            List<CompletableFuture<String>> ids = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                ids.add(producer.send(queue, new NewMessage(3600, "{\"job\": " + i + ", \"work_ms\": " + (i % 7) * 10 + "}")));
            }
            producer.flush();
            long ok = ids.stream().filter(f -> !f.isCompletedExceptionally()).count();
            System.out.printf("posted %d jobs to %s in %.0f ms (first id %s); queue stats: %s%n", ok, queue,
                    (System.nanoTime() - t0) / 1e6, ids.get(0).join(), client.stats(queue));
        }
    }
}
