package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.Claim;
import io.baton.sdk.Message;
import io.baton.sdk.NewMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;

/**
 * Guarantee 1 and 3 against a real broker process: producers post and a worker claims and deletes
 * while the broker is killed with SIGKILL; after a restart on the same data, every acknowledged
 * message is there unless its delete was acknowledged, and no acknowledged delete is undone.
 */
class CrashRecoveryIT {

    @Test
    void everyAcknowledgedMessageSurvivesSigkillAndNothingDeletedComesBack() throws Exception {
        Path dir = Files.createTempDirectory("baton-crash");
        Path data = dir.resolve("data");
        Path log = dir.resolve("broker.log");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        // A delete in flight when the broker dies may be durable without its reply having arrived:
        // that message may be gone, but no promise about it was broken.
        Set<String> deleteSent = ConcurrentHashMap.newKeySet();
        List<String> queues = List.of("jobs-a", "jobs-b", "jobs-c");
        try {
            BrokerProcess broker = BrokerProcess.start(data, log);
            try (BatonClient setup = client(broker.grpcAddress())) {
                queues.forEach(setup::createQueue);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(5);
            for (int p = 0; p < 4; p++) {
                int producer = p;
                load.submit(() -> {
                    try (BatonClient c = client(broker.grpcAddress())) {
                        for (int i = 0; running.get(); i++) {
                            String q = queues.get(i % queues.size());
                            List<NewMessage> batch = new ArrayList<>();
                            for (int k = 0; k < 5; k++) {
                                batch.add(new NewMessage(3600, "{\"p\":" + producer + ",\"i\":" + i + ",\"k\":" + k + "}"));
                            }
                            try {
                                acked.addAll(c.publish(q, batch).ids());
                            } catch (BatonException e) {
                                // the broker died mid-call: not acknowledged, so no promise was made
                            }
                        }
                    }
                });
            }
            load.submit(() -> {
                try (BatonClient c = client(broker.grpcAddress())) {
                    while (running.get()) {
                        for (String q : queues) {
                            try {
                                Claim claim = c.claim(q, 10, 60, 60);
                                for (Message m : claim.messages()) {
                                    deleteSent.add(m.id());
                                    if (c.deleteMessage(q, m.id(), claim.id())) {
                                        deleted.add(m.id());
                                    }
                                }
                            } catch (BatonException e) {
                                // broker gone
                            }
                        }
                    }
                }
            });
            Thread.sleep(3000);
            broker.kill();
            running.set(false);
            load.shutdown();
            assertThat(load.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(acked).hasSizeGreaterThan(100);
            assertThat(deleted).isNotEmpty();

            try (BrokerProcess restarted = BrokerProcess.start(data, log); BatonClient c = client(restarted.grpcAddress())) {
                Set<String> present = new HashSet<>();
                for (String q : queues) {
                    List<String> candidates = new ArrayList<>(acked);
                    for (int i = 0; i < candidates.size(); i += 20) {
                        c.getMessages(q, candidates.subList(i, Math.min(candidates.size(), i + 20)))
                                .forEach(m -> present.add(m.id()));
                    }
                }
                Set<String> expected = new HashSet<>(acked);
                expected.removeAll(deleteSent);
                Set<String> lost = new HashSet<>(expected);
                lost.removeAll(present);
                assertThat(lost).as("acknowledged, never deleted, yet missing after restart").isEmpty();
                Set<String> resurrected = new HashSet<>(deleted);
                resurrected.retainAll(present);
                assertThat(resurrected).as("acknowledged deletes undone after restart").isEmpty();
                long total = 0;
                for (String q : queues) {
                    total += c.stats(q).total();
                }
                assertThat(total).isGreaterThanOrEqualTo(expected.size());
            }
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    private static BatonClient client(String address) {
        return BatonClient.builder().target(address).project("crash").callTimeout(Duration.ofSeconds(3)).build();
    }
}
