package io.baton.broker.rpc;

import io.baton.api.v1.BrokerStatus;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.GetBrokerStatusRequest;
import io.baton.api.v1.GetClusterMapRequest;
import io.baton.broker.cluster.BrokerHealth;
import io.baton.broker.log.SlotLogFactory;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;
import java.util.function.Supplier;

/** Any broker answers who owns what, and how it is doing itself. */
public final class ClusterRpc extends ClusterServiceGrpc.ClusterServiceImplBase {
    /** The most Work streams one status answer lists (a broker may hold 10,000). */
    static final int WORK_STREAMS_LISTED = 1_000;

    private final Supplier<ClusterMap> map;
    private final Function<String, BrokerStatus> status;

    /** {@code status}: this broker's status with the Work streams of the project given. */
    public ClusterRpc(Supplier<ClusterMap> map, Function<String, BrokerStatus> status) {
        this.map = map;
        this.status = status;
    }

    /** The parts of a status that health, storage and streams tell (the caller adds who and the totals). */
    public static BrokerStatus.Builder status(BrokerHealth health, SlotLogFactory storage, WorkRpc work, String project) {
        BrokerStatus.Builder b = BrokerStatus.newBuilder()
                .setZookeeperConnected(health.zooKeeperConnected())
                .setStorage(storage.kind())
                .setWritableBookies(storage.writableBookies())
                .addAllProblems(health.problems())
                .addAllSlots(health.slots())
                .setReadAtMs(System.currentTimeMillis());
        WorkRpc.Listing streams = work.streams(project, WORK_STREAMS_LISTED);
        return b.addAllWorkStreams(streams.streams()).setWorkStreamsTruncated(streams.truncated());
    }

    @Override
    public void getClusterMap(GetClusterMapRequest req, StreamObserver<ClusterMap> out) {
        try {
            out.onNext(map.get());
            out.onCompleted();
        } catch (RuntimeException e) {
            SlotCalls.fail(out, e);
        }
    }

    @Override
    public void getBrokerStatus(GetBrokerStatusRequest req, StreamObserver<BrokerStatus> out) {
        try {
            if (!io.baton.api.QueueNames.isValidProject(req.getProject())) {
                throw SlotCalls.invalid(io.baton.api.QueueNames.PROJECT_RULE);
            }
            out.onNext(status.apply(req.getProject()));
            out.onCompleted();
        } catch (RuntimeException e) {
            SlotCalls.fail(out, e);
        }
    }
}
