package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.api.grpc.BatonErrors;
import io.baton.api.SlotHash;
import io.baton.api.v1.CreateQueueRequest;
import io.baton.api.v1.ErrorDetail;
import io.baton.api.v1.QueueRef;
import io.baton.api.v1.QueueServiceGrpc;
import io.baton.broker.Broker;
import io.baton.broker.BrokerConfig;
import io.baton.broker.cluster.AssignmentStore;
import io.baton.broker.cluster.ClusterPaths;
import io.baton.broker.cluster.SlotAssignment;
import io.baton.broker.testing.LocalBroker;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A broker refuses slots it does not own with an error that names the owner; the SDK follows it. */
class NotOwnerIT {

    @Test
    void aBrokerRefusesSlotsItDoesNotOwnAndNamesTheOwner() throws Exception {
        try (LocalBroker owner = LocalBroker.start();
             Broker other = Broker.start(BrokerConfig.builder().brokerId("broker-2").zkConnect(owner.zkConnect())
                     .dataDir(owner.dir().resolve("broker-2")).slotCount(16).slotThreads(1).selfAssignAllSlots(false).build())) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(other.grpcAddress()).usePlaintext().build();
            try {
                QueueRef ref = QueueRef.newBuilder().setProject("p").setName("jobs").build();
                assertThatThrownBy(() -> QueueServiceGrpc.newBlockingStub(channel)
                        .createQueue(CreateQueueRequest.newBuilder().setQueue(ref).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                            ErrorDetail d = BatonErrors.detailOf(e);
                            assertThat(d.getCode()).isEqualTo("NOT_OWNER");
                            assertThat(d.getOwnerId()).isEqualTo("broker-1");
                            assertThat(d.getOwnerAddress()).isEqualTo(owner.address());
                            assertThat(d.getSlot()).isEqualTo(SlotHash.slotOf("p", "jobs", 16));
                            assertThat(d.getEpoch()).isPositive();
                        });
            } finally {
                channel.shutdownNow();
            }

            // A client that only knows the non-owner is routed to the owner.
            try (BatonClient client = BatonClient.builder().target(other.grpcAddress()).project("p").build()) {
                assertThat(client.createQueue("jobs")).isTrue();
                assertThat(owner.broker().slots().get(SlotHash.slotOf("p", "jobs", 16))).isNotNull();
            }

            // Move the queue's slot to broker-2 under a new epoch: broker-1 stops serving it and
            // answers NOT_OWNER naming broker-2, and clients follow the move.
            int slot = SlotHash.slotOf("p", "moved", 16);
            try (AssignmentStore store = new AssignmentStore(owner.broker().zk(), new ClusterPaths("default"))) {
                SlotAssignment current = store.read(16);
                assertThat(store.compareAndSet(current.reassign(slot, "broker-2"))).isTrue();
                assertThat(store.compareAndSet(current.reassign(slot, "broker-1"))).as("stale writer loses").isFalse();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> other.slots().get(slot) != null
                    && other.healthy() && owner.broker().slots().get(slot) == null);
            try (BatonClient client = BatonClient.builder().target(owner.address()).project("p").build()) {
                assertThat(client.createQueue("moved")).isTrue();
                assertThat(client.queueExists("moved")).isTrue();
            }
            assertThat(other.slots().get(slot)).isNotNull();
        }
    }
}
