package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batching producer against a real broker. */
class ProducerIT {
    private static LocalBroker local;
    private static BatonClient client;

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start();
        client = BatonClient.builder().target(local.address()).project("producer-" + UUID.randomUUID()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        local.close();
    }

    @Test
    void everySentMessageGetsItsIdAndTheQueueKeepsTheirOrder() throws Exception {
        client.createQueue("batched");
        List<CompletableFuture<String>> ids = new ArrayList<>();
        try (Producer p = Producer.builder(client).linger(Duration.ofMillis(5)).maxBatch(20).build()) {
            for (int i = 0; i < 1_000; i++) {
                ids.add(p.send("batched", new NewMessage(300, Integer.toString(i))));
            }
        }
        assertThat(ids).allMatch(CompletableFuture::isDone);
        assertThat(ids.stream().map(CompletableFuture::join).distinct()).hasSize(1_000);
        assertThat(client.stats("batched").total()).isEqualTo(1_000);
        List<String> bodies = new ArrayList<>();
        String marker = null;
        while (true) {
            MessagePage page = client.withClientId(UUID.randomUUID()).listMessages("batched", marker, 20, true, true);
            if (page.messages().isEmpty()) {
                break;
            }
            page.messages().forEach(m -> bodies.add(m.bodyJson()));
            marker = page.nextMarker();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(bodies).containsExactlyElementsOf(expected);
    }

    @Test
    void aMessageToAMissingQueueFailsItsFutureWithNotFound() {
        try (Producer p = Producer.builder(client).linger(Duration.ZERO).build()) {
            CompletableFuture<String> f = p.send("nowhere-" + UUID.randomUUID().toString().substring(0, 8), new NewMessage(300, "1"));
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> Producer.builder(client).maxBatch(21).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Producer.builder(client).linger(Duration.ofMillis(-1)).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Producer.builder(client).maxInFlight(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Worker.builder(client).queue("bad name").handler(j -> { }).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Worker.builder(client).queue("q").build()).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Worker.builder(client).queue("q").handler(j -> { }).concurrency(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
