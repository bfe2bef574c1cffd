package io.baton.broker.rpc;

import io.baton.api.v1.AcceptMovedRequest;
import io.baton.api.v1.AcceptMovedResponse;
import io.baton.api.v1.MoveServiceGrpc;
import io.baton.broker.runtime.LocalSlots;
import io.grpc.stub.StreamObserver;

/** Takes copies of messages another broker moves into a queue served here (see moves.proto). */
public final class MoveRpc extends MoveServiceGrpc.MoveServiceImplBase {
    private final SlotCalls calls;

    public MoveRpc(LocalSlots slots) {
        this.calls = new SlotCalls(slots);
    }

    @Override
    public void acceptMoved(AcceptMovedRequest req, StreamObserver<AcceptMovedResponse> out) {
        calls.run(req.getQueue(), out, s -> MoveCodec.command(req), n -> AcceptMovedResponse.newBuilder().setAccepted(n).build());
    }
}
