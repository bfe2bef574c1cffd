package io.baton.broker.bench;

import io.baton.broker.slot.Decision;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.SlotRecord;
import io.baton.broker.slot.SlotStateMachine;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Heap bytes per waiting message: fills one queue with N messages of 256-byte bodies and compares
 * the heap used after a full GC with the heap used before. Overhead = bytes per message minus the
 * 256 body bytes. A second argument K first gives every message K failed attempts (claimed,
 * then released with an error class and message, as a failing worker does), so the difference
 * between runs with K = 0 and K > 0 is what the attempt ledger costs per waiting message.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-Xmx4g -cp %classpath io.baton.broker.bench.HeapPerMessageBench 1000000 [K]"}
 */
public final class HeapPerMessageBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int failedAttempts = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        SlotStateMachine sm = new SlotStateMachine(0, SlotLimits.v1());
        long now = 1_700_000_000_000L;
        apply(sm, new SlotCommand.CreateQueue("p", "q"), now);
        long before = usedAfterGc();
        UUID client = UUID.randomUUID();
        for (int i = 0; i < n / 20; i++) {
            List<NewMessage> batch = new ArrayList<>(20);
            for (int k = 0; k < 20; k++) {
                batch.add(new NewMessage(1_209_600, new byte[256]));
            }
            apply(sm, new SlotCommand.Publish("p", "q", client, null, batch), ++now);
        }
        for (int k = 0; k < failedAttempts; k++) {
            // Every message claimed (held), then every claim released: each message gets one attempt.
            List<Long> claims = new ArrayList<>(n);
            while (claims.size() < n) {
                for (io.baton.broker.slot.Views.ClaimView c : apply(sm, new SlotCommand.ClaimEach("p", "q", 1000, 60, 60), ++now)) {
                    claims.add(c.claimSeq());
                }
            }
            for (long c : claims) {
                apply(sm, new SlotCommand.ReleaseClaim("p", "q", c, 0, "java.net.SocketTimeoutException",
                        "Read timed out after 30000 ms"), now);
            }
        }
        long after = usedAfterGc();
        double perMessage = (after - before) / (double) n;
        System.out.printf("%d messages waiting, %d failed attempts each: %.1f heap bytes per message (bodies stay in the log);"
                        + " index/column estimate %.1f bytes%n",
                n, failedAttempts, perMessage, sm.overheadBytes() / (double) n);
        if (sm.nextSeq() < 0) {
            System.out.println(sm); // keep sm reachable until after the measurement
        }
    }

    private static long address;

    private static <R> R apply(SlotStateMachine sm, SlotCommand<R> c, long now) {
        Decision<R> d = c.decide(sm, now);
        for (SlotRecord r : d.records()) {
            io.baton.broker.slot.RecordCodec.Encoded e = io.baton.broker.slot.RecordCodec.encodePlaced(r);
            sm.apply(r, new io.baton.broker.slot.Placement(address, e.bodyOffsets(), true));
            address += e.bytes().length;
        }
        return d.reply().get();
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
