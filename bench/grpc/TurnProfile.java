import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The broker's CPU profile of a `baton bench --turns` run, split by kind of turn (bench/grpc/profile-turns.sh).
 *
 * <pre>
 * java TurnProfile.java attach PID LIBRARY OPTIONS        loads async-profiler into a running JVM with these options
 * java TurnProfile.java split RECORDING TURNS SECONDS N   CPU per handled job by thread, and the N frames whose share grew most
 * java TurnProfile.java jit RECORDING TURNS SECONDS N     the JIT's compilations and deoptimizations by kind of turn (a JDK
 *                                                         Flight Recorder recording), and the N most frequent of each
 * </pre>
 *
 * TURNS has a line per measured turn, as the bench printed it: "END KIND JOBS_PER_SEC", END the
 * epoch second the line arrived (the turn's end). Only samples in a turn's counted part (after its
 * first second) count, so A and B are compared over the same interleaved minutes.
 */
public class TurnProfile {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("attach")) {
            VirtualMachine vm = VirtualMachine.attach(args[1]);
            try {
                vm.loadAgentPath(args[2], args[3]);
            } finally {
                vm.detach();
            }
            return;
        }
        List<double[]> spans = new ArrayList<>();
        double[] jobs = turns(Path.of(args[2]), Double.parseDouble(args[3]), spans);
        if (args[0].equals("jit")) {
            jit(Path.of(args[1]), spans, Integer.parseInt(args[4]));
        } else {
            split(Path.of(args[1]), spans, jobs, Integer.parseInt(args[4]));
        }
    }

    /** Reads the turns file into {@code spans} (from, to, kind: 0 A, 1 B); returns the handled jobs counted in each kind. */
    private static double[] turns(Path turnsFile, double turnSeconds, List<double[]> spans) throws java.io.IOException {
        double[] jobs = new double[2];
        for (String line : Files.readAllLines(turnsFile)) {
            String[] p = line.trim().split(" ");
            double end = Double.parseDouble(p[0]);
            int kind = p[1].equals("B") ? 1 : 0;
            spans.add(new double[] {end - turnSeconds + 1, end, kind});
            jobs[kind] += Double.parseDouble(p[2]) * (turnSeconds - 1);
        }
        return jobs;
    }

    /** The kind of turn whose counted part holds {@code t}, or -1. */
    private static int kindAt(List<double[]> spans, Instant t) {
        double at = t.getEpochSecond() + t.getNano() / 1e9;
        for (double[] s : spans) {
            if (at >= s[0] && at < s[1]) {
                return (int) s[2];
            }
        }
        return -1;
    }

    private static void jit(Path recording, List<double[]> spans, int top) throws Exception {
        List<Map<String, Long>> compiled = List.of(new HashMap<>(), new HashMap<>());
        List<Map<String, Long>> deoptimized = List.of(new HashMap<>(), new HashMap<>());
        try (RecordingFile f = new RecordingFile(recording)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                boolean compilation = type.equals("jdk.Compilation");
                if (!compilation && !type.equals("jdk.Deoptimization")) {
                    continue;
                }
                int kind = kindAt(spans, e.getStartTime());
                if (kind < 0) {
                    continue;
                }
                jdk.jfr.consumer.RecordedMethod m = e.getValue("method");
                String method = m == null ? "?" : m.getType().getName() + "." + m.getName();
                if (compilation) {
                    compiled.get(kind).merge(method + " (level " + e.getValue("compileLevel") + ")", 1L, Long::sum);
                } else {
                    deoptimized.get(kind).merge(method + " (" + e.getValue("reason") + ", " + e.getValue("action") + ")", 1L, Long::sum);
                }
            }
        }
        for (int kind = 0; kind < 2; kind++) {
            String name = kind == 0 ? "A" : "B";
            System.out.printf("%s turns: %d compilations, %d deoptimizations%n", name, total(compiled.get(kind)),
                    total(deoptimized.get(kind)));
            mostFrequent("  compiled", compiled.get(kind), top);
            mostFrequent("  deoptimized", deoptimized.get(kind), top);
        }
    }

    private static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static void mostFrequent(String what, Map<String, Long> counts, int top) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf("%s %3d %s%n", what, e.getValue(), e.getKey()));
    }

    private static void split(Path recording, List<double[]> spans, double[] jobs, int top) throws Exception {
        List<Map<String, Long>> byThread = List.of(new HashMap<>(), new HashMap<>());
        List<Map<String, Long>> byFrame = List.of(new HashMap<>(), new HashMap<>());
        List<Map<String, Long>> byLeaf = List.of(new HashMap<>(), new HashMap<>());
        try (RecordingFile f = new RecordingFile(recording)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                int kind = kindAt(spans, e.getStartTime());
                if (kind < 0) {
                    continue;
                }
                RecordedThread th = e.getThread("sampledThread");
                String thread = th == null ? "?" : (th.getJavaName() != null ? th.getJavaName() : th.getOSName()).replaceAll("\\d+", "N");
                byThread.get(kind).merge(thread, 1L, Long::sum);
                RecordedStackTrace st = e.getStackTrace();
                if (st != null && !st.getFrames().isEmpty()) {
                    RecordedFrame leaf = st.getFrames().get(0);
                    byLeaf.get(kind).merge(thread + " " + (leaf.getMethod() == null ? "?"
                            : leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName()), 1L, Long::sum);
                }
                if (st != null) {
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame fr : st.getFrames()) {
                        String name = fr.getMethod() == null ? "?" : fr.getMethod().getType().getName() + "." + fr.getMethod().getName();
                        if (seen.add(name)) {
                            byFrame.get(kind).merge(thread + " " + name, 1L, Long::sum);
                        }
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "handled jobs counted: A %.0f, B %.0f%n", jobs[0], jobs[1]);
        print("threads (µs of CPU per handled job, at one sample per ms)", byThread, jobs, Integer.MAX_VALUE, true);
        print("frames whose share grew most (inclusive)", byFrame, jobs, top, false);
        print("frames whose own share grew most (self)", byLeaf, jobs, top, false);
    }

    private static void print(String title, List<Map<String, Long>> counts, double[] jobs, int top, boolean withTotal) {
        Set<String> keys = new HashSet<>(counts.get(0).keySet());
        keys.addAll(counts.get(1).keySet());
        List<String> sorted = new ArrayList<>(keys);
        sorted.sort((x, y) -> Double.compare(grown(counts, jobs, y), grown(counts, jobs, x)));
        System.out.printf("%n%s%n%9s %9s %9s%n", title, "A", "B", "B - A");
        double[] total = new double[2];
        for (int i = 0; i < sorted.size(); i++) {
            String k = sorted.get(i);
            double a = perJob(counts.get(0), k, jobs[0]);
            double b = perJob(counts.get(1), k, jobs[1]);
            total[0] += a;
            total[1] += b;
            if (i < top) {
                System.out.printf(Locale.ROOT, "%9.3f %9.3f %+9.3f  %s%n", a, b, b - a, k);
            }
        }
        if (withTotal) {
            System.out.printf(Locale.ROOT, "%9.3f %9.3f %+9.3f  all%n", total[0], total[1], total[1] - total[0]);
        }
    }

    private static double grown(List<Map<String, Long>> counts, double[] jobs, String k) {
        return perJob(counts.get(1), k, jobs[1]) - perJob(counts.get(0), k, jobs[0]);
    }

    private static double perJob(Map<String, Long> counts, String k, double jobs) {
        return counts.getOrDefault(k, 0L) * 1000.0 / jobs;
    }
}
