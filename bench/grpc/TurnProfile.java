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
        split(Path.of(args[1]), Path.of(args[2]), Double.parseDouble(args[3]), Integer.parseInt(args[4]));
    }

    private static void split(Path recording, Path turnsFile, double turnSeconds, int top) throws Exception {
        List<double[]> spans = new ArrayList<>(); // from, to, kind (0 A, 1 B)
        double[] jobs = new double[2];
        for (String line : Files.readAllLines(turnsFile)) {
            String[] p = line.trim().split(" ");
            double end = Double.parseDouble(p[0]);
            int kind = p[1].equals("B") ? 1 : 0;
            spans.add(new double[] {end - turnSeconds + 1, end, kind});
            jobs[kind] += Double.parseDouble(p[2]) * (turnSeconds - 1);
        }
        List<Map<String, Long>> byThread = List.of(new HashMap<>(), new HashMap<>());
        List<Map<String, Long>> byFrame = List.of(new HashMap<>(), new HashMap<>());
        long interval = 0;
        try (RecordingFile f = new RecordingFile(recording)) {
            Instant previous = null;
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                Instant t = e.getStartTime();
                double at = t.getEpochSecond() + t.getNano() / 1e9;
                int kind = -1;
                for (double[] s : spans) {
                    if (at >= s[0] && at < s[1]) {
                        kind = (int) s[2];
                        break;
                    }
                }
                if (kind < 0) {
                    continue;
                }
                RecordedThread th = e.getThread("sampledThread");
                String thread = th == null ? "?" : (th.getJavaName() != null ? th.getJavaName() : th.getOSName()).replaceAll("\\d+", "N");
                byThread.get(kind).merge(thread, 1L, Long::sum);
                RecordedStackTrace st = e.getStackTrace();
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
        print("threads (µs of CPU per handled job, at one sample per ms)", byThread, jobs, Integer.MAX_VALUE);
        print("frames whose share grew most (inclusive)", byFrame, jobs, top);
    }

    private static void print(String title, List<Map<String, Long>> counts, double[] jobs, int top) {
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
        if (top == Integer.MAX_VALUE) {
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
