package io.baton.broker.rpc;

import io.baton.api.v1.AcceptMovedRequest;
import io.baton.api.v1.AcceptMovedResponse;
import io.baton.api.v1.MoveServiceGrpc;
import io.baton.broker.runtime.LocalSlots;
import io.grpc.stub.StreamObserver;

/** Takes copies of messages another broker moves into a queue served here (see moves.proto). */
public final class MoveRpc extends MoveServiceGrpc.MoveServiceImplBase {
    private final SlotCalls calls;

    private final Protos protos;

    public MoveRpc(LocalSlots slots, Protos protos) {
        this.calls = new SlotCalls(slots);
        this.protos = protos;
    }

    @Override
    public void acceptMoved(AcceptMovedRequest req, StreamObserver<AcceptMovedResponse> out) {
        calls.run(req.getQueue(), out, s -> MoveCodec.command(req, protos), n -> AcceptMovedResponse.newBuilder().setAccepted(n).build());
    }
}
