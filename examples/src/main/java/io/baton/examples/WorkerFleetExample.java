package io.baton.examples;

import io.baton.sdk.BatonClient;
import io.baton.sdk.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fleet of streaming workers on one queue: two fast ones, a slow one (each job takes a second,
 * longer than nothing but well within its lease, which the SDK extends while it works), and one
 * that "crashes" mid-job: it stops without acknowledging, so its job comes back to the others
 * when its lease (the default 60 s) runs out. Every job is handled; the one the crasher held is
 * handled by someone else a minute later.
 *
 * <p>Run: {@code examples/run ProducerExample 200} then {@code examples/run WorkerFleetExample}.
 * Ctrl-C stops the fleet gracefully (running jobs finish and are acknowledged).
 */
public final class WorkerFleetExample {
    public static void main(String[] args) throws Exception {
        String queue = args.length > 0 ? args[0] : "jobs";
        BatonClient client = BatonClient.builder().target("127.0.0.1:7070").project("examples").fromEnvironment().build();
        client.createQueue(queue);
        AtomicInteger handled = new AtomicInteger();
        List<Worker> fleet = new ArrayList<>();
        for (String name : new String[] {"fast-1", "fast-2"}) {
            fleet.add(Worker.builder(client).queue(queue).concurrency(4).handler(job -> {
                handled.incrementAndGet();
                System.out.printf("%s handled %s %s%n", name, job.id(), job.bodyJson());
            }).build().start());
        }
        fleet.add(Worker.builder(client).queue(queue).concurrency(1).maxOutstanding(1).handler(job -> {
            Thread.sleep(1000);
            handled.incrementAndGet();
            System.out.printf("slow   handled %s after 1 s%n", job.id());
        }).build().start());
        // Leases of 5 s would be below v1's 60 s floor on a default broker; the crasher uses the
        // default 60 s lease, so its job returns a minute later.
        Worker crasher = Worker.builder(client).queue(queue).maxOutstanding(1).handler(job -> {
            System.out.printf("crash  took %s and dies without acknowledging it%n", job.id());
            Thread.sleep(Long.MAX_VALUE);
        }).build().start();
        Thread.sleep(500);
        crasher.shutdownNow();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.forEach(Worker::shutdown);
            for (Worker w : fleet) {
                try {
                    w.awaitTermination(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            System.out.printf("fleet stopped after %d jobs%n", handled.get());
            client.close();
        }));
        while (true) {
            Thread.sleep(5000);
            System.out.printf("-- %d handled so far; queue: %s%n", handled.get(), client.stats(queue));
        }
    }
}
