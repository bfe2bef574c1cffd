package io.baton.deploy.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * The {@code baton bench} load shape against beanstalkd, for a side-by-side figure: producers
 * {@code put} 256-byte jobs, workers {@code reserve} and {@code delete} them, one request at a time
 * per connection (beanstalkd's protocol), publish→handler latency from a timestamp in the body.
 * A benchmark-only client of beanstalkd's text protocol (put/reserve/delete), not product code.
 *
 * <p>Run (beanstalkd from Debian; {@code -b DIR -f 0} fsyncs every write, the durable mode):
 * {@code beanstalkd -l 127.0.0.1 -p 11300 -b /tmp/bs -f 0 &} then
 * {@code mvn -q -pl deploy test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath io.baton.deploy.bench.BeanstalkBench 11300 2 4 256 20 0"}
 * (port, producers, workers, size, seconds, rate; 0 = unthrottled).
 */
public final class BeanstalkBench {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int producers = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        int rate = Integer.parseInt(args[5]);
        LongAdder put = new LongAdder();
        LongAdder handled = new LongAdder();
        Recorder latency = new Recorder(3);
        AtomicBoolean running = new AtomicBoolean(true);
        String tube = "bench" + System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            threads.add(new Thread(() -> {
                long interval = rate == 0 ? 0 : 1_000_000_000L * producers / rate;
                long next = System.nanoTime();
                try (Conn c = new Conn(port)) {
                    c.command("use " + tube);
                    String pad = "x".repeat(Math.max(0, size - 30));
                    while (running.get()) {
                        if (interval > 0) {
                            next += interval;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                java.util.concurrent.locks.LockSupport.parkNanos(wait);
                            }
                        }
                        byte[] body = ("{\"t\":" + System.nanoTime() + ",\"p\":\"" + pad + "\"}").getBytes(StandardCharsets.US_ASCII);
                        String r = c.put(body);
                        if (r.startsWith("INSERTED")) {
                            put.increment();
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int w = 0; w < workers; w++) {
            threads.add(new Thread(() -> {
                try (Conn c = new Conn(port)) {
                    c.command("watch " + tube);
                    while (running.get() || handled.sum() < put.sum()) {
                        String header = c.command("reserve-with-timeout 1");
                        if (!header.startsWith("RESERVED")) {
                            continue;
                        }
                        String[] parts = header.split(" ");
                        byte[] body = c.readBody(Integer.parseInt(parts[2]));
                        String s = new String(body, StandardCharsets.US_ASCII);
                        long sent = Long.parseLong(s.substring(5, s.indexOf(',')));
                        latency.recordValue(Math.max(0, System.nanoTime() - sent) / 1000);
                        c.command("delete " + parts[1]);
                        handled.increment();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        long t0 = System.nanoTime();
        Histogram total = new Histogram(3);
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(Math.max(0, (t0 + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
            total.add(latency.getIntervalHistogram());
        }
        long handledDuringLoad = handled.sum();
        double secs = (System.nanoTime() - t0) / 1e9;
        running.set(false);
        for (Thread t : threads) {
            t.join(60_000);
        }
        total.add(latency.getIntervalHistogram());
        System.out.printf("beanstalkd: %d producers, %d workers, %d B, %s: %.0f jobs/s end to end; p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms; put %d, handled %d%n",
                producers, workers, size, rate == 0 ? "unthrottled" : rate + "/s", handledDuringLoad / secs,
                total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(99) / 1000.0,
                total.getValueAtPercentile(99.9) / 1000.0, put.sum(), handled.sum());
    }

    /** One beanstalkd connection: a command line out, a reply line (and a body) in. */
    private static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Conn(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readLine();
        }

        String put(byte[] body) throws IOException {
            out.write(("put 0 0 60 " + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.write('\r');
            out.write('\n');
            out.flush();
            return readLine();
        }

        byte[] readBody(int n) throws IOException {
            byte[] b = in.readNBytes(n + 2);
            return java.util.Arrays.copyOf(b, n);
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    break;
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
