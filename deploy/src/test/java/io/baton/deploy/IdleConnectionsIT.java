package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.sdk.BatonClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 idle connections against a real standalone (its own process, 256 MiB of heap), on the
 * REST port and on the gRPC port: other clients are served while they are held, the process's
 * file descriptors stay within the connections held (and under the REST cap past them), and they
 * are given back when the connections go. (HttpAbuseIT covers connections over the cap.)
 */
class IdleConnectionsIT {
    private static final int IDLE = 10_000;
    private static final int CAP = 10_500;
    @TempDir
    static Path dir;
    private static BrokerProcess standalone;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        standalone = BrokerProcess.start(dir.resolve("data"), dir.resolve("standalone.log"), "256m",
                "--max-connections", Integer.toString(CAP));
    }

    @AfterAll
    static void stop() throws Exception {
        if (standalone != null) {
            standalone.close();
        }
    }

    private static InetSocketAddress address(String hostPort) {
        String hp = hostPort.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        int colon = hp.lastIndexOf(':');
        return new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
    }

    private static List<Socket> hold(InetSocketAddress to, int n) throws Exception {
        List<Socket> held = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(to, 5_000);
            held.add(s);
        }
        return held;
    }

    private static void close(List<Socket> held) throws Exception {
        for (Socket s : held) {
            s.close();
        }
    }

    private static void othersAreServed() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(standalone.httpBase() + "/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
        try (BatonClient c = BatonClient.builder().target(standalone.grpcAddress()).project("idle").build()) {
            c.createQueue("q");
            assertThat(c.stats("q").total()).isZero();
        }
    }

    @Test
    void tenThousandIdleConnectionsOnEachPortLeaveTheProcessServingWithinItsBounds() throws Exception {
        othersAreServed();
        long baseline = standalone.openFiles();

        List<Socket> rest = hold(address(standalone.httpBase()), IDLE);
        othersAreServed();
        assertThat(standalone.openFiles()).as("descriptors: the connections held, no more").isLessThanOrEqualTo(baseline + IDLE + 50);
        // Past the cap, more are closed at once: the descriptors stay under it.
        List<Socket> over = hold(address(standalone.httpBase()), CAP - IDLE + 500);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> standalone.openFiles() <= baseline + CAP + 50);
        close(over);
        close(rest);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> standalone.openFiles() <= baseline + 50);

        // gRPC: idle connections that never speak HTTP/2; the broker goes on serving.
        List<Socket> grpc = hold(address(standalone.grpcAddress()), IDLE);
        othersAreServed();
        assertThat(standalone.openFiles()).as("descriptors: the connections held, no more").isLessThanOrEqualTo(baseline + IDLE + 50);
        close(grpc);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> standalone.openFiles() <= baseline + 50);
        assertThat(standalone.alive()).isTrue();
        othersAreServed();
    }
}
