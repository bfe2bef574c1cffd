package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.cluster.EmbeddedZooKeeper;
import io.baton.broker.log.Bookie;
import io.baton.broker.testing.LocalBookies;
import io.baton.gateway.Gateway;
import io.baton.gateway.GatewayConfig;
import io.baton.sdk.BatonClient;
import io.baton.sdk.NewMessage;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The deployment files (deploy/compose, deploy/k8s, deploy/prometheus, deploy/grafana) are read
 * and checked against the code they deploy: every {@code baton} command line in them parses with
 * the real command, and every metric the dashboard plots is one a real cluster-mode broker or
 * gateway exports. (No container engine or Kubernetes cluster runs here; their own tools render
 * and lint these files, see docs/OPERATIONS.md.)
 */
class DeploymentFilesTest {
    private static final Path DEPLOY = Path.of("").toAbsolutePath().getFileName().toString().equals("deploy")
            ? Path.of("") : Path.of("deploy");
    private static final YAMLMapper YAML = new YAMLMapper();

    private static List<JsonNode> yamlDocuments(Path file) throws Exception {
        try (var it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            while (it.hasNext()) {
                JsonNode d = (JsonNode) it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
            return docs;
        }
    }

    private static List<Path> files(String dir, String... suffixes) throws Exception {
        try (Stream<Path> s = Files.walk(DEPLOY.resolve(dir))) {
            return s.filter(Files::isRegularFile).filter(f -> Stream.of(suffixes).anyMatch(x -> f.toString().endsWith(x))).sorted().toList();
        }
    }

    /** Parses {@code args} as the real {@code baton} command does; fails on any unknown or malformed option. */
    private static void assertBatonCommandParses(String where, List<String> args) {
        List<String> substituted = args.stream().map(a -> a.replaceAll("\\$\\(([A-Z_]+)\\)", "x-$1")).toList();
        try {
            CommandLine.ParseResult r = new CommandLine(new Main()).parseArgs(substituted.toArray(String[]::new));
            assertThat(r.hasSubcommand()).as("%s names a baton command: %s", where, args).isTrue();
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(where + ": `baton " + String.join(" ", args) + "` does not parse: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void kubernetesManifestsAreWellFormedAndTheirBatonCommandsParse() throws Exception {
        Set<String> kinds = new TreeSet<>();
        int batonContainers = 0;
        for (Path f : files("k8s", ".yaml")) {
            for (JsonNode doc : yamlDocuments(f)) {
                kinds.add(doc.path("kind").asText());
                if (f.getFileName().toString().equals("kustomization.yaml")) {
                    for (JsonNode r : doc.path("resources")) {
                        assertThat(DEPLOY.resolve("k8s").resolve(r.asText())).as("kustomization resource").exists();
                    }
                    continue;
                }
                assertThat(doc.path("apiVersion").asText()).as("%s apiVersion", f).isNotEmpty();
                assertThat(doc.path("metadata").path("name").asText()).as("%s metadata.name", f).isNotEmpty();
                JsonNode spec = doc.path("spec");
                if (doc.path("kind").asText().matches("StatefulSet|Deployment")) {
                    assertThat(spec.path("selector").path("matchLabels").size()).as("%s has a selector", f).isPositive();
                    spec.path("selector").path("matchLabels").fields().forEachRemaining(e -> assertThat(
                            spec.path("template").path("metadata").path("labels").path(e.getKey()).asText())
                            .as("%s: the selector matches the pod labels", f).isEqualTo(e.getValue().asText()));
                    for (JsonNode c : spec.path("template").path("spec").path("containers")) {
                        assertThat(c.path("readinessProbe").isObject()).as("%s container %s has a readiness probe", f, c.path("name")).isTrue();
                        if (c.path("image").asText().equals("baton")) {
                            batonContainers++;
                            String where = f + " " + c.path("name").asText();
                            List<String> args = strings(c.path("args"));
                            assertBatonCommandParses(where, args);
                            assertThat(args).as("%s runs authenticated and encrypted", where)
                                    .contains("--auth=tokens").anyMatch(a -> a.startsWith("--tls-cert="));
                            assertThat(c.path("readinessProbe").path("httpGet").path("scheme").asText()).as("%s probes over HTTPS", where)
                                    .isEqualTo("HTTPS");
                            JsonNode podSecurity = spec.path("template").path("spec").path("securityContext");
                            JsonNode security = c.path("securityContext");
                            assertThat(podSecurity.path("runAsNonRoot").asBoolean()).as("%s runs as non-root", where).isTrue();
                            assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as("%s read-only root", where).isTrue();
                            assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as("%s no escalation", where).isFalse();
                        }
                    }
                }
            }
        }
        assertThat(kinds).contains("StatefulSet", "Deployment", "Service", "PodDisruptionBudget", "Namespace", "NetworkPolicy");
        assertEveryWorkloadHasADisruptionBudgetThatBookiesSurvive();
        assertThat(batonContainers).isEqualTo(2); // brokers and gateways
        JsonNode broker = yamlDocuments(DEPLOY.resolve("k8s/broker.yaml")).stream()
                .filter(d -> d.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        JsonNode container = broker.path("spec").path("template").path("spec").path("containers").get(0);
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
                .as("brokers are ready when they serve their slots").isEqualTo("/health");
        assertThat(broker.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt())
                .as("room for the hand-over").isGreaterThan(30);
    }

    /**
     * Every StatefulSet and Deployment has a PodDisruptionBudget selecting its pods, and one bookie
     * down (what the bookies' budget allows) leaves as many as a ledger's ensemble: writes go on.
     */
    private void assertEveryWorkloadHasADisruptionBudgetThatBookiesSurvive() throws Exception {
        List<JsonNode> docs = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.list(DEPLOY.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(yamlDocuments(f));
            }
        }
        List<JsonNode> budgets = docs.stream().filter(d -> d.path("kind").asText().equals("PodDisruptionBudget")).toList();
        for (JsonNode w : docs) {
            if (!w.path("kind").asText().matches("StatefulSet|Deployment")) {
                continue;
            }
            JsonNode labels = w.path("spec").path("template").path("metadata").path("labels");
            List<JsonNode> covering = budgets.stream().filter(b -> {
                var want = b.path("spec").path("selector").path("matchLabels").fields();
                boolean all = want.hasNext();
                while (want.hasNext()) {
                    var e = want.next();
                    all &= labels.path(e.getKey()).asText().equals(e.getValue().asText());
                }
                return all;
            }).toList();
            String name = w.path("metadata").path("name").asText();
            assertThat(covering).as("a disruption budget for %s", name).hasSize(1);
            if (name.equals("bookie")) {
                int replicas = w.path("spec").path("replicas").asInt();
                int down = covering.get(0).path("spec").path("maxUnavailable").asInt();
                assertThat(replicas - down).as("bookies left with %d down", down)
                        .isGreaterThanOrEqualTo(io.baton.broker.log.BookKeeperSlotLog.Replication.DEFAULT.ensemble());
            }
        }
    }

    @Test
    void composeFileIsWellFormedAndItsBatonCommandsParse() throws Exception {
        JsonNode compose = yamlDocuments(DEPLOY.resolve("compose/docker-compose.yml")).get(0);
        JsonNode services = compose.path("services");
        assertThat(services.path("zookeeper").path("image").asText()).startsWith("zookeeper:");
        int brokers = 0;
        int bookies = 0;
        for (var it = services.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode service = mergeKeys(compose, e.getValue());
            String image = service.path("image").asText();
            if (e.getKey().startsWith("bookie")) {
                assertThat(image).startsWith("apache/bookkeeper:"); // merged from the x-bookie anchor
                bookies++;
            }
            if (image.startsWith("baton:")) {
                List<String> command = strings(service.path("command"));
                assertBatonCommandParses("compose service " + e.getKey(), command);
                assertThat(command).as("compose service %s runs authenticated and encrypted", e.getKey())
                        .contains("--auth", "tokens", "--tls-cert", "--tls-ca");
                for (JsonNode secret : service.path("secrets")) {
                    assertThat(compose.path("secrets").has(secret.asText())).as("secret %s is declared", secret.asText()).isTrue();
                }
                if (e.getKey().startsWith("broker")) {
                    brokers++;
                    assertThat(command).contains("--tls-client-auth", "--zookeeper-auth-file", "--bookkeeper-password-file");
                }
            }
            for (JsonNode v : service.path("volumes")) {
                String source = v.asText().split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(DEPLOY.resolve("compose").resolve(source).normalize()).as("mounted by %s", e.getKey()).exists();
                }
            }
        }
        assertThat(brokers).isEqualTo(3);
        assertThat(bookies).as("one bookie can stop while ledgers still find a full ensemble")
                .isGreaterThan(io.baton.broker.log.BookKeeperSlotLog.Replication.DEFAULT.ensemble());
        assertThat(DEPLOY.resolve("docker/Dockerfile")).exists();
    }

    @Test
    void theImageRecordsAClassDataArchiveAtBuildAndEveryRoleMapsIt() throws Exception {
        String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
        String run = dockerfile.substring(dockerfile.indexOf("\nRUN java "), dockerfile.indexOf("\nENTRYPOINT"));
        String entrypoint = dockerfile.substring(dockerfile.indexOf("\nENTRYPOINT"), dockerfile.indexOf("\nCMD"));
        // Recorded in the final stage (the runtime's JDK and JAVA_TOOL_OPTIONS), interpreted (bin/baton says why).
        assertThat(dockerfile.indexOf("\nRUN java ")).isGreaterThan(dockerfile.lastIndexOf("\nFROM "))
                .isGreaterThan(dockerfile.indexOf("ENV JAVA_TOOL_OPTIONS"));
        assertThat(run).contains("-Xint", "-XX:ArchiveClassesAtExit=/opt/baton/baton.jsa", "cds-train", "-cp \"/opt/baton/lib/*\"");
        assertThat(entrypoint).contains("\"-XX:SharedArchiveFile=/opt/baton/baton.jsa\"", "\"/opt/baton/lib/*\"");
    }

    /**
     * Applies a YAML merge key ({@code <<: *anchor}), which compose supports; Jackson leaves it as a
     * field naming the anchor. The compose file defines anchor {@code NAME} on {@code x-NAME}.
     */
    private static JsonNode mergeKeys(JsonNode compose, JsonNode node) {
        if (!node.has("<<")) {
            return node;
        }
        JsonNode base = node.get("<<").isTextual() ? compose.path("x-" + node.get("<<").asText()) : node.get("<<");
        assertThat(base.isObject()).as("merge key %s resolves", node.get("<<")).isTrue();
        com.fasterxml.jackson.databind.node.ObjectNode merged = ((com.fasterxml.jackson.databind.node.ObjectNode) base).deepCopy();
        node.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("<<")) {
                merged.set(f.getKey(), f.getValue());
            }
        });
        return merged;
    }

    @Test
    void dashboardPlotsOnlyMetricsThatARealClusterExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DEPLOY.resolve("grafana/baton-dashboard.json").toFile());
        Set<String> plotted = new TreeSet<>();
        Matcher m = Pattern.compile("\\bbaton_[a-z0-9_]+").matcher("");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                m.reset(t.path("expr").asText());
                while (m.find()) {
                    plotted.add(m.group());
                }
            }
        }
        assertThat(plotted).contains("baton_slots_owned", "baton_ledger_add_seconds_bucket", "baton_ledger_fencing_total",
                "baton_slot_recovery_seconds_bucket", "baton_controller_decisions_total", "baton_gateway_requests_seconds_bucket");
        for (JsonNode doc : yamlDocuments(DEPLOY.resolve("prometheus/prometheus.yml"))) {
            assertThat(doc.path("scrape_configs").size()).isGreaterThan(0);
        }
        for (Path f : files("grafana/provisioning", ".yml")) {
            assertThat(yamlDocuments(f)).hasSize(1);
        }

        // A real cluster-mode broker (ZooKeeper, 3 bookies, BookKeeper slot logs, controller) and a gateway.
        Path root = Files.createTempDirectory("baton-deploy-files");
        try (EmbeddedZooKeeper zk = new EmbeddedZooKeeper(root.resolve("zk"), "127.0.0.1", 0);
             LocalBookies bookies = LocalBookies.start(zk.connectString(), 3, root.resolve("bookies"));
             Broker broker = Broker.start(BrokerConfig.builder().brokerId("b1").zkConnect(zk.connectString()).dataDir(root.resolve("b1"))
                     .slotCount(4).slotThreads(1).metricsPort(0).selfAssignAllSlots(false).controller(true)
                     .bookkeeper(Bookie.metadataUri(zk.connectString())).build())) {
            broker.awaitServing(Duration.ofSeconds(60));
            PrometheusMeterRegistry gatewayMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (Gateway gateway = Gateway.start(GatewayConfig.builder().port(0).brokers(List.of(broker.grpcAddress()))
                    .registry(gatewayMetrics).build());
                 BatonClient client = BatonClient.builder().target(broker.grpcAddress()).project("p").build()) {
                client.createQueue("q");
                client.publish("q", List.of(new NewMessage(60, "{}")));
                HttpClient http = HttpClient.newHttpClient();
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/health")).build(),
                        HttpResponse.BodyHandlers.discarding());
                String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.metricsPort() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body() + gatewayMetrics.scrape();
                Set<String> exported = new TreeSet<>();
                scrape.lines().filter(l -> l.startsWith("baton_")).forEach(l -> exported.add(l.split("[{ ]", 2)[0]));
                assertThat(exported).as("metrics a real broker and gateway export").containsAll(plotted);
            }
        } finally {
            FileUtils.deleteDirectory(root.toFile());
        }
    }
}
