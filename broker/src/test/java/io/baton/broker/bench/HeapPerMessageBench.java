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
 * between runs with K = 0 and K > 0 is what the attempt ledger costs per waiting message. With a
 * third argument {@code moved}, the messages come in as dead letters instead: moved from a queue of
 * another slot, each with its origin and K failed attempts (every string decoded anew, as
 * after a replay), which is what a dead-letter queue holds per message.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-Xmx4g -cp %classpath io.baton.broker.bench.HeapPerMessageBench 1000000 [K [moved]]"}
 */
public final class HeapPerMessageBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int failedAttempts = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        boolean moved = args.length > 2 && args[2].equals("moved");
        SlotStateMachine sm = new SlotStateMachine(0, SlotLimits.v1());
        long now = 1_700_000_000_000L;
        apply(sm, new SlotCommand.CreateQueue("p", "q"), now);
        long before = usedAfterGc();
        UUID client = UUID.randomUUID();
        for (int i = 0; moved && i < n / 20; i++) {
            List<io.baton.broker.slot.MovedMessage> batch = new ArrayList<>(20);
            for (int k = 0; k < 20; k++) {
                long seq = i * 20L + k + 1;
                List<io.baton.broker.slot.Attempt> recent = new ArrayList<>(failedAttempts);
                for (int a = 1; a <= failedAttempts; a++) {
                    recent.add(new io.baton.broker.slot.Attempt(a, 1, seq * 8 + a, now, now + 5,
                            io.baton.broker.slot.AttemptOutcome.RELEASED, new String("java.lang.IllegalStateException"),
                            new String("poison job")));
                }
                batch.add(new io.baton.broker.slot.MovedMessage(1_209_600, new byte[256],
                        new io.baton.broker.slot.Origin(1, new String("work"), seq, now, 1_209_600), failedAttempts, recent));
            }
            apply(sm, new SlotCommand.AcceptMoved("p", "q", "move-" + i, batch), ++now);
        }
        for (int i = 0; !moved && i < n / 20; i++) {
            List<NewMessage> batch = new ArrayList<>(20);
            for (int k = 0; k < 20; k++) {
                batch.add(new NewMessage(1_209_600, new byte[256]));
            }
            apply(sm, new SlotCommand.Publish("p", "q", client, null, batch), ++now);
        }
        for (int k = 0; !moved && k < failedAttempts; k++) {
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
        System.out.printf("%d messages waiting%s, %d failed attempts each: %.1f heap bytes per message (bodies stay in the log);"
                        + " index/column estimate %.1f bytes%n",
                n, moved ? " (moved in, each with its origin)" : "", failedAttempts, perMessage, sm.overheadBytes() / (double) n);
        // What a checkpoint costs this state: the capture on the slot thread, and the snapshot's bytes.
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            io.baton.broker.slot.SlotSnapshot.Image image = io.baton.broker.slot.SlotSnapshot.capture(sm);
            long captured = System.nanoTime() - t0;
            CountingOutput counted = new CountingOutput();
            try {
                image.writeTo(new java.io.DataOutputStream(counted), io.baton.broker.slot.SlotSnapshot.LiveBodies.NONE);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            System.out.printf("checkpoint: capture %.1f ms on the slot thread; snapshot %.1f bytes per message (the policy's estimate"
                    + " of the live state: %.1f)%n", captured / 1e6, counted.bytes / (double) n, sm.liveBytesEstimate() / (double) n);
        }
        if (sm.nextSeq() < 0) {
            System.out.println(sm); // keep sm reachable until after the measurement
        }
    }

    private static long address;

    /** Counts what is written to it. */
    private static final class CountingOutput extends java.io.OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

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
