package io.baton.broker.rpc;

import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.GetClusterMapRequest;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Any broker answers who owns what. */
public final class ClusterRpc extends ClusterServiceGrpc.ClusterServiceImplBase {
    private final Supplier<ClusterMap> map;

    public ClusterRpc(Supplier<ClusterMap> map) {
        this.map = map;
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
}
