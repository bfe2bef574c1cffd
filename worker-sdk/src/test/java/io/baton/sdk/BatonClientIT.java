package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.ErrorCode;
import io.baton.api.v1.ClusterMap;
import io.baton.broker.testing.LocalBroker;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every call of the gRPC API and its error paths, through the SDK, against a real broker and ZooKeeper. */
class BatonClientIT {
    private static LocalBroker local;
    private static BatonClient client;
    private static BatonClient other;

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start();
        client = BatonClient.builder().target(local.address()).project("alpha").callTimeout(Duration.ofSeconds(5)).build();
        other = BatonClient.builder().target(local.address()).project("beta").callTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        other.close();
        local.close();
    }

    private static String queue() {
        return "q-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void queuesAreCreatedListedAndDeleted() {
        String q = queue();
        assertThat(client.createQueue(q)).isTrue();
        assertThat(client.createQueue(q)).isFalse();
        assertThat(client.queueExists(q)).isTrue();
        assertThat(client.listQueues(null, 20, false)).extracting(QueueEntry::name).contains(q);
        client.setMetadata(q, "{\"owner\":\"ops\"}");
        assertThat(client.getMetadata(q)).isEqualTo("{\"owner\":\"ops\"}");
        assertThat(client.listQueues(null, 20, true)).filteredOn(e -> e.name().equals(q))
                .singleElement().extracting(QueueEntry::metadataJson).isEqualTo("{\"owner\":\"ops\"}");
        assertThat(client.deleteQueue(q)).isTrue();
        assertThat(client.deleteQueue(q)).isFalse();
        assertThat(client.queueExists(q)).isFalse();
    }

    @Test
    void queueListingsPageInNameOrder() {
        BatonClient pager = BatonClient.builder().target(local.address()).project("pager").build();
        for (String n : List.of("c", "a", "e", "b", "d")) {
            pager.createQueue(n);
        }
        assertThat(pager.listQueues(null, 2, false)).extracting(QueueEntry::name).containsExactly("a", "b");
        assertThat(pager.listQueues("b", 2, false)).extracting(QueueEntry::name).containsExactly("c", "d");
        assertThat(pager.listQueues("e", 2, false)).isEmpty();
        pager.close();
    }

    @Test
    void aPublishedMessageIsClaimedOnceAndDeletedWithItsClaim() {
        String q = queue();
        client.createQueue(q);
        PublishResult posted = client.publish(q, List.of(new NewMessage(300, "{\"event\":\"two\"}"), new NewMessage(60, "{\"event\":\"three\"}")));
        assertThat(posted.ids()).hasSize(2);
        Claim claim = client.claim(q, 2, 60, 60);
        assertThat(claim.messages()).extracting(Message::ttlSeconds).containsExactly(300L, 120L);
        assertThat(claim.messages()).extracting(Message::bodyJson).containsExactly("{\"event\":\"two\"}", "{\"event\":\"three\"}");
        assertThat(client.claim(q, 2, 60, 60).isEmpty()).isTrue();
        Claim got = client.getClaim(q, claim.id());
        assertThat(got.ttlSeconds()).isEqualTo(60);
        assertThat(got.messages()).hasSize(2);
        client.renewClaim(q, claim.id(), 120, 0);
        assertThatThrownBy(() -> client.deleteMessage(q, posted.ids().get(0), null))
                .isInstanceOf(ClaimConflictException.class);
        assertThat(client.deleteMessage(q, posted.ids().get(0), claim.id())).isTrue();
        assertThat(client.releaseClaim(q, claim.id())).isTrue();
        assertThat(client.claim(q, 5, 60, 60).messages()).extracting(Message::id).containsExactly(posted.ids().get(1));
        QueueStats stats = client.stats(q);
        assertThat(stats.total()).isEqualTo(1);
        assertThat(stats.claimed()).isEqualTo(1);
        assertThat(stats.oldest().id()).isEqualTo(posted.ids().get(1));
    }

    @Test
    void messagesAreListedAndFetchedById() {
        String q = queue();
        client.createQueue(q);
        List<String> ids = client.publish(q, List.of(new NewMessage(300, "1"), new NewMessage(300, "[2]"), new NewMessage(300, "null"))).ids();
        assertThat(client.listMessages(q, null, 10, false, false).messages()).isEmpty();
        MessagePage page = client.listMessages(q, null, 2, true, false);
        assertThat(page.messages()).extracting(Message::id).containsExactly(ids.get(0), ids.get(1));
        assertThat(client.listMessages(q, page.nextMarker(), 2, true, false).messages()).extracting(Message::id).containsExactly(ids.get(2));
        assertThat(client.listMessages(q, "not-a-marker", 2, true, false).messages()).isEmpty();
        assertThat(client.getMessage(q, ids.get(1)).bodyJson()).isEqualTo("[2]");
        assertThat(client.getMessages(q, List.of(ids.get(0), "bogus", ids.get(2)))).hasSize(2);
        assertThat(client.deleteMessages(q, List.of(ids.get(0), ids.get(1), "bogus"))).isEqualTo(2);
        assertThatThrownBy(() -> client.getMessage(q, ids.get(0))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aRetriedPublishIsNotStoredTwice() {
        String q = queue();
        client.createQueue(q);
        PublishResult first = client.publish(q, List.of(new NewMessage(300, "1")), "req-42");
        PublishResult again = client.publish(q, List.of(new NewMessage(300, "1")), "req-42");
        assertThat(again.duplicate()).isTrue();
        assertThat(again.ids()).isEqualTo(first.ids());
        assertThat(client.stats(q).total()).isEqualTo(1);
    }

    @Test
    void invalidArgumentsAreRefusedAndChangeNothing() {
        String q = queue();
        client.createQueue(q);
        assertInvalid(() -> client.createQueue("bad name"));
        assertInvalid(() -> client.createQueue("x".repeat(65)));
        assertInvalid(() -> client.publish(q, List.of(new NewMessage(59, "1"))));
        assertInvalid(() -> client.publish(q, List.of(new NewMessage(60, "{not json"))));
        assertInvalid(() -> client.publish(q, List.of(new NewMessage(60, "1 2"))));
        assertInvalid(() -> client.publish(q, List.of(new NewMessage(60, "123456789012345678901234567890"))));
        assertInvalid(() -> client.publish(q, List.of()));
        assertInvalid(() -> client.claim(q, 0, 60, 60));
        assertInvalid(() -> client.claim(q, 1, 60, 10));
        assertInvalid(() -> client.setMetadata(q, "[1]"));
        assertInvalid(() -> client.setMetadata(q, "{\"_reserved\":1}"));
        assertInvalid(() -> client.listQueues(null, 0, false));
        assertInvalid(() -> client.listMessages(q, null, 21, false, false));
        assertInvalid(() -> client.deleteMessage(q, "000000000000000000000001", "garbage"));
        assertThat(client.stats(q).total()).isZero();
        assertThat(client.getMetadata(q)).isEqualTo("{}");
    }

    private static void assertInvalid(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((BatonException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void missingThingsAreNotFound() {
        String q = queue();
        assertThatThrownBy(() -> client.stats(q)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.getMetadata(q)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.publish(q, List.of(new NewMessage(60, "1")))).isInstanceOf(NotFoundException.class);
        assertThat(client.claim(q, 1, 60, 60).isEmpty()).isTrue();
        client.createQueue(q);
        assertThatThrownBy(() -> client.getClaim(q, "000000000000000000000099")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.renewClaim(q, "zzz", 60, 0)).isInstanceOf(NotFoundException.class);
        assertThat(client.releaseClaim(q, "000000000000000000000099")).isFalse();
        assertThat(client.deleteMessage(q, "000000000000000000000099", null)).isFalse();
    }

    @Test
    void anotherProjectSeesNothingWhateverIdsItSends() {
        String q = queue();
        client.createQueue(q);
        List<String> ids = client.publish(q, List.of(new NewMessage(300, "1"))).ids();
        Claim c = client.claim(q, 1, 60, 60);
        assertThat(other.queueExists(q)).isFalse();
        assertThatThrownBy(() -> other.getMessage(q, ids.get(0))).isInstanceOf(NotFoundException.class);
        assertThat(other.getMessages(q, ids)).isEmpty();
        assertThat(other.claim(q, 10, 60, 60).isEmpty()).isTrue();
        assertThat(other.deleteMessages(q, ids)).isZero();
        assertThat(other.releaseClaim(q, c.id())).isFalse();
        assertThat(other.deleteQueue(q)).isFalse();
        assertThat(client.stats(q).total()).isEqualTo(1);
        assertThat(client.getClaim(q, c.id()).messages()).hasSize(1);
    }

    @Test
    void theClusterMapNamesThisBrokerForEverySlot() {
        ClusterMap map = client.clusterMap();
        assertThat(map.getSlotCount()).isEqualTo(16);
        assertThat(map.getSlotsList()).allSatisfy(s -> {
            assertThat(s.getBrokerId()).isEqualTo("broker-1");
            assertThat(s.getEpoch()).isPositive();
        });
        assertThat(map.getBrokersList()).singleElement().extracting(b -> b.getGrpcAddress()).isEqualTo(local.address());
    }

    @Test
    void acknowledgedDataSurvivesARestartAndDeletedDataStaysDeleted() throws Exception {
        String q = queue();
        List<String> ids;
        try (LocalBroker own = LocalBroker.start()) {
            try (BatonClient before = BatonClient.builder().target(own.address()).project("alpha").build()) {
                before.createQueue(q);
                ids = before.publish(q, List.of(new NewMessage(300, "1"), new NewMessage(300, "2"))).ids();
                before.deleteMessages(q, List.of(ids.get(0)));
            }
            own.restart();
            checkAfterRestart(own, q, ids);
        }
    }

    private static void checkAfterRestart(LocalBroker own, String q, List<String> ids) {
        try (BatonClient again = BatonClient.builder().target(own.address()).project("alpha").build()) {
            assertThat(again.getMessages(q, ids)).extracting(Message::id).containsExactly(ids.get(1));
            // A new incarnation never reuses an id (ids are opaque: their order says nothing).
            String next = again.publish(q, List.of(new NewMessage(300, "3"))).ids().get(0);
            assertThat(next).isNotIn(ids);
            assertThat(again.getMessages(q, List.of(ids.get(0)))).as("the deleted one stays deleted").isEmpty();
        }
    }
}
