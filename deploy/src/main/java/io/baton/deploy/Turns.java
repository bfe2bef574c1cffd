package io.baton.deploy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Two loads that differ in one thing (B's producers send poison jobs, A's do not) taking turns in
 * this one load generator against the same brokers: A B B A A B B A ...
 *
 * <p>Why in one process: two fresh JVMs running the same code settle on costs per job several
 * percent apart for their whole lives (docs/BENCHMARKS.md, "How far one series can be trusted"),
 * as large as the differences a poison load makes. Here both loads run in the same two JVMs, this
 * one and the broker's, so only what differs between the loads differs between their turns; the
 * A B B A order spreads the host's drift over both alike.
 *
 * <p>Each turn is counted after it has run {@code settleNanos}: the jobs sent in the turn before
 * are handled by then (the backlog holds a fraction of a second of them). Threads: the producers
 * read {@link #inB()}; one thread runs {@link #run}.
 */
final class Turns {
    /** What one turn handled and cost over its counted part. */
    record Turn(boolean b, double seconds, long handled, long benchCpuNanos, long brokerCpuNanos) {
        double jobsPerSec() {
            return handled / seconds;
        }
    }

    private final long turnNanos;
    private final long settleNanos;
    private volatile boolean b;

    Turns(long turnNanos, long settleNanos) {
        if (settleNanos <= 0 || settleNanos >= turnNanos) {
            throw new IllegalArgumentException("a turn must be longer than its settling time");
        }
        this.turnNanos = turnNanos;
        this.settleNanos = settleNanos;
    }

    /** Whether turn {@code i} is B's: A B B A, repeated. */
    static boolean isB(int i) {
        boolean second = i % 2 == 1;
        return (i / 2) % 2 == 0 ? second : !second;
    }

    /** Whether the producers now send B's load. */
    boolean inB() {
        return b;
    }

    /**
     * Runs {@code count} turns (a whole number of pairs) from now and returns them; with
     * {@code print}, prints a line per turn. A supplier that cannot tell returns -1.
     */
    List<Turn> run(int count, LongSupplier handled, LongSupplier benchCpu, LongSupplier brokerCpu, boolean print) {
        List<Turn> turns = new ArrayList<>(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long begins = start + i * turnNanos;
            b = isB(i);
            LockSupport.parkNanos(begins + settleNanos - System.nanoTime());
            long t0 = System.nanoTime();
            long h0 = handled.getAsLong();
            long c0 = benchCpu.getAsLong();
            long k0 = brokerCpu.getAsLong();
            LockSupport.parkNanos(begins + turnNanos - System.nanoTime());
            Turn t = new Turn(b, (System.nanoTime() - t0) / 1e9, handled.getAsLong() - h0, delta(c0, benchCpu.getAsLong()),
                    delta(k0, brokerCpu.getAsLong()));
            turns.add(t);
            if (print) {
                System.out.printf(Locale.ROOT, "turn %3d %s jobs/s=%.0f%n", i, t.b() ? "B" : "A", t.jobsPerSec());
            }
        }
        b = false;
        return turns;
    }

    private static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    /** B's rate against A's over a series of turns, in sums and by pair. */
    record Summary(double aJobsPerSec, double bJobsPerSec, double ratio, double median, double lowerQuartile,
                   double upperQuartile, double aBenchMicrosPerJob, double bBenchMicrosPerJob, double aBrokerMicrosPerJob,
                   double bBrokerMicrosPerJob, int pairs) {

        static Summary of(List<Turn> turns) {
            double[] seconds = new double[2];
            long[] handled = new long[2];
            long[] bench = new long[2];
            long[] broker = new long[2];
            for (Turn t : turns) {
                int k = t.b() ? 1 : 0;
                seconds[k] += t.seconds();
                handled[k] += t.handled();
                bench[k] = bench[k] < 0 || t.benchCpuNanos() < 0 ? -1 : bench[k] + t.benchCpuNanos();
                broker[k] = broker[k] < 0 || t.brokerCpuNanos() < 0 ? -1 : broker[k] + t.brokerCpuNanos();
            }
            int pairs = turns.size() / 2;
            double[] byPair = new double[pairs];
            for (int p = 0; p < pairs; p++) {
                Turn x = turns.get(2 * p);
                Turn y = turns.get(2 * p + 1);
                Turn a = x.b() ? y : x;
                Turn bt = x.b() ? x : y;
                byPair[p] = a.handled() == 0 ? Double.NaN : bt.jobsPerSec() / a.jobsPerSec();
            }
            Arrays.sort(byPair);
            double aRate = handled[0] / seconds[0];
            double bRate = handled[1] / seconds[1];
            return new Summary(aRate, bRate, bRate / aRate, quantile(byPair, 0.5), quantile(byPair, 0.25), quantile(byPair, 0.75),
                    perJob(bench[0], handled[0]), perJob(bench[1], handled[1]), perJob(broker[0], handled[0]),
                    perJob(broker[1], handled[1]), pairs);
        }

        private static double perJob(long nanos, long jobs) {
            return nanos < 0 || jobs == 0 ? Double.NaN : nanos / 1e3 / jobs;
        }

        /** The {@code q} quantile of sorted {@code xs}, interpolated. */
        static double quantile(double[] xs, double q) {
            if (xs.length == 0) {
                return Double.NaN;
            }
            double at = q * (xs.length - 1);
            int lo = (int) Math.floor(at);
            int hi = Math.min(xs.length - 1, lo + 1);
            return xs[lo] + (xs[hi] - xs[lo]) * (at - lo);
        }

        String describe(String a, String b) {
            return String.format(Locale.ROOT, "turns: %d pairs; %s %.0f jobs/s, %s %.0f jobs/s: %s/%s %.3f in sums, by pair median %.3f, "
                            + "quartiles %.3f-%.3f; this process %.2f against %.2f us per job; broker %.2f against %.2f us per job",
                    pairs, a, aJobsPerSec, b, bJobsPerSec, b, a, ratio, median, lowerQuartile, upperQuartile, bBenchMicrosPerJob,
                    aBenchMicrosPerJob, bBrokerMicrosPerJob, aBrokerMicrosPerJob);
        }
    }
}
