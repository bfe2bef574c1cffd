package io.baton.broker.bench;

import io.baton.broker.log.Bookie;
import io.baton.broker.log.LedgerPasswords;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;

/**
 * The raw append rate of a running cluster's bookies: {@code ledgers} ledgers (ensemble 3, quorums
 * 2/2, as slot logs use), one entry of {@code size} bytes per append, at most {@code window}
 * appends in flight in all, for {@code seconds} after a warm-up of as long. What a log that wrote
 * each record as an entry of its own could reach on these bookies, from one client: the yardstick
 * {@code bench/cluster/run.sh} sets cluster mode against.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.broker.bench.BookieAppendBench ZK_CONNECT 20 8 1000 256"}
 * Prints one line: {@code appends/s=N p50_ms=N p99_ms=N}.
 */
public final class BookieAppendBench {
    public static void main(String[] args) throws Exception {
        String zkConnect = args[0];
        int seconds = Integer.parseInt(args[1]);
        int ledgerCount = Integer.parseInt(args[2]);
        int window = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        ClientConfiguration cc = new ClientConfiguration();
        cc.setMetadataServiceUri(Bookie.metadataUri(zkConnect));
        cc.setThrottleValue(0);
        try (BookKeeper bk = BookKeeper.newBuilder(cc).build()) {
            List<WriteHandle> ledgers = new ArrayList<>();
            for (int i = 0; i < ledgerCount; i++) {
                ledgers.add(bk.newCreateLedgerOp().withEnsembleSize(3).withWriteQuorumSize(2).withAckQuorumSize(2)
                        .withDigestType(DigestType.CRC32C).withPassword(LedgerPasswords.DEFAULT.current()).execute().get());
            }
            run(ledgers, window, size, seconds); // warm-up
            long[] r = run(ledgers, window, size, seconds);
            System.out.printf("appends/s=%d p50_ms=%.2f p99_ms=%.2f%n", r[0] / seconds, r[1] / 1e6, r[2] / 1e6);
            for (WriteHandle w : ledgers) {
                long id = w.getId();
                w.close();
                bk.newDeleteLedgerOp().withLedgerId(id).execute().get();
            }
        }
    }

    /** Appends for {@code seconds}; returns appends acknowledged, and the p50 and p99 latency in ns. */
    private static long[] run(List<WriteHandle> ledgers, int window, int size, int seconds) throws Exception {
        byte[] entry = new byte[size];
        Semaphore room = new Semaphore(window);
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        org.HdrHistogram.Recorder latency = new org.HdrHistogram.Recorder(3);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int next = 0;
        while (System.nanoTime() < end && failed.get() == null) {
            if (!room.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            long sent = System.nanoTime();
            ledgers.get(next++ % ledgers.size()).appendAsync(entry).whenComplete((id, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                } else if (sent < end) {
                    latency.recordValue(System.nanoTime() - sent);
                    done.incrementAndGet();
                }
                room.release();
            });
        }
        room.acquire(window);
        if (failed.get() != null) {
            throw new IllegalStateException("an append failed", failed.get());
        }
        org.HdrHistogram.Histogram h = latency.getIntervalHistogram();
        return new long[] {done.get(), h.getValueAtPercentile(50), h.getValueAtPercentile(99)};
    }
}
