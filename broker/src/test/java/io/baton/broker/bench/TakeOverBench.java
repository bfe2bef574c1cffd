package io.baton.broker.bench;

import io.baton.broker.log.BookKeeperSlotLog;
import io.baton.broker.runtime.CheckpointPolicy;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotLane;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.Views;
import io.baton.broker.testing.LocalBookKeeper;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.curator.framework.CuratorFramework;

/**
 * Cluster-mode take-over of a slot holding a large backlog: one JVM, ZooKeeper and 3 bookies in
 * process. An owner publishes {@code messages} messages of {@code size} bytes (batches of 20, 64
 * batches in flight) into one queue of a BookKeeper slot log and nobody consumes them; then a
 * second owner takes the log over (fencing the first) and recovers the slot: the newest snapshot
 * (the index: bodies stay in their ledger entries) plus the records after it. Prints the times of
 * both steps, the records replayed, and the heap the new owner's state takes.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-Xmx3g --add-opens java.base/java.io=ALL-UNNAMED -cp %classpath io.baton.broker.bench.TakeOverBench 1000000 256"}
 */
public final class TakeOverBench {
    public static void main(String[] args) throws Exception {
        int messages = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        try (LocalBookKeeper cluster = LocalBookKeeper.start("baton-takeover");
             SlotLane laneA = new SlotLane("owner-a");
             SlotLane laneB = new SlotLane("owner-b")) {
            BookKeeper bk = cluster.bk();
            CuratorFramework zk = cluster.zk();
            String path = "/bench/takeover";
            SlotDriver a = new SlotDriver(0, 1, BookKeeperSlotLog.open(bk, zk, path, 1, BookKeeperSlotLog.Replication.DEFAULT),
                    laneA, Clock.systemUTC(), SlotLimits.v1(), CheckpointPolicy.defaults(), nanos -> { });
            a.recover().get(60, TimeUnit.SECONDS);
            a.submit(new SlotCommand.CreateQueue("p", "q")).get();
            UUID client = UUID.randomUUID();
            ArrayDeque<CompletableFuture<Views.PublishResult>> inFlight = new ArrayDeque<>();
            long w0 = System.nanoTime();
            for (int i = 0; i < messages / 20; i++) {
                List<NewMessage> batch = new ArrayList<>(20);
                for (int k = 0; k < 20; k++) {
                    batch.add(new NewMessage(1_209_600, new byte[size]));
                }
                inFlight.add(a.submit(new SlotCommand.Publish("p", "q", client, null, batch)));
                if (inFlight.size() >= 64) {
                    inFlight.poll().get(60, TimeUnit.SECONDS);
                }
                if (i % 5_000 == 0) {
                    a.tick();
                }
            }
            for (CompletableFuture<Views.PublishResult> f : inFlight) {
                f.get(60, TimeUnit.SECONDS);
            }
            double writeSeconds = (System.nanoTime() - w0) / 1e9;
            // Let a checkpoint due at the end finish, as it would on a broker left running.
            for (int i = 0; i < 20; i++) {
                a.tick();
                Thread.sleep(250);
            }
            long heapBefore = usedAfterGc();
            long t0 = System.nanoTime();
            BookKeeperSlotLog log = BookKeeperSlotLog.open(bk, zk, path, 2, BookKeeperSlotLog.Replication.DEFAULT);
            long opened = System.nanoTime();
            SlotDriver b = new SlotDriver(0, 2, log, laneB, Clock.systemUTC(), SlotLimits.v1(),
                    CheckpointPolicy.defaults(), nanos -> { });
            b.recover().get(600, TimeUnit.SECONDS);
            long serving = System.nanoTime();
            Views.QueueStats stats = b.submit(new SlotCommand.GetStats("p", "q")).get();
            long heapAfter = usedAfterGc();
            System.out.printf("published %,d x %d B in %.1f s (%,.0f msg/s); take-over: fence + new ledger %.0f ms,"
                            + " recovery (snapshot + replay) %.0f ms, total %.0f ms; %,d waiting afterwards;"
                            + " new owner's state %.1f B per message%n",
                    messages, size, writeSeconds, messages / writeSeconds, (opened - t0) / 1e6, (serving - opened) / 1e6,
                    (serving - t0) / 1e6, stats.total(), (heapAfter - heapBefore) / (double) messages);
            if (b.liveMessages() < 0 || a.liveMessages() < 0) {
                System.out.println("unreachable"); // keep both owners' state reachable until measured
            }
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
