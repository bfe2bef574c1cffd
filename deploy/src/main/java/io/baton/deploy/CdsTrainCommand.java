package io.baton.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baton cds-train}: what {@code bin/baton} runs once per build under
 * {@code -XX:ArchiveClassesAtExit}, so that the JVM records the classes a working Baton loads into
 * a class-data-sharing archive, which every later start maps instead of parsing and verifying
 * them again. It starts a standalone on free ports in a temporary folder, puts it through the
 * paths every role shares (gRPC publish and streaming work from {@code baton bench}, the v1 REST
 * API, the console), and stops it.
 */
@Command(name = "cds-train", hidden = true, description = "Exercise a throwaway standalone (for a class-data archive).")
final class CdsTrainCommand implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "8", description = "How long to run the load (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("baton-cds-train");
        try {
            StandaloneCommand standalone = new StandaloneCommand();
            new CommandLine(standalone).parseArgs("--data-dir", dir.toString(), "--grpc-port", "0", "--http-port", "0",
                    "--metrics-port", "0", "--slots", "16");
            try (StandaloneCommand.Running running = standalone.start()) {
                int bench = new CommandLine(new BenchCommand()).execute("--target", running.broker().grpcAddress(),
                        "--duration", Integer.toString(seconds), "--warmup", "0");
                rest("http://127.0.0.1:" + running.gateway().port());
                return bench;
            }
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The v1 calls a producer and a REST worker make, and the console's pages. */
    private static void rest(String base) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String queue = base + "/v1/queues/cds-train";
        send(http, HttpRequest.newBuilder(URI.create(queue)).PUT(HttpRequest.BodyPublishers.noBody()));
        for (int i = 0; i < 200; i++) {
            send(http, HttpRequest.newBuilder(URI.create(queue + "/messages")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("[{\"ttl\": 300, \"body\": {\"n\": " + i + "}}]")));
        }
        send(http, HttpRequest.newBuilder(URI.create(queue + "/claims?limit=10")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ttl\": 60, \"grace\": 60}")));
        send(http, HttpRequest.newBuilder(URI.create(queue + "/stats")).GET());
        send(http, HttpRequest.newBuilder(URI.create(base + "/console/api/queues")).GET());
        send(http, HttpRequest.newBuilder(URI.create(base + "/console/api/overview")).GET());
        send(http, HttpRequest.newBuilder(URI.create(base + "/console")).GET());
    }

    private static void send(HttpClient http, HttpRequest.Builder request) throws Exception {
        http.send(request.header("X-Project-Id", "cds-train").header("Client-ID", "3f1e2a9c-1111-4222-8333-444455556666")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
    }
}
