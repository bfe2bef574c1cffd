package io.baton.broker.rpc;

import io.baton.api.v1.ClaimServiceGrpc;
import io.baton.api.v1.CreateClaimRequest;
import io.baton.api.v1.CreateClaimResponse;
import io.baton.api.v1.GetClaimRequest;
import io.baton.api.v1.GetClaimResponse;
import io.baton.api.v1.ReleaseClaimRequest;
import io.baton.api.v1.ReleaseClaimResponse;
import io.baton.api.v1.UpdateClaimRequest;
import io.baton.api.v1.UpdateClaimResponse;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.slot.SlotCommand;
import io.grpc.stub.StreamObserver;

/** Claims over gRPC. */
public final class ClaimRpc extends ClaimServiceGrpc.ClaimServiceImplBase {
    private final SlotCalls calls;

    private final Protos protos;

    public ClaimRpc(LocalSlots slots, Protos protos) {
        this.calls = new SlotCalls(slots);
        this.protos = protos;
    }

    @Override
    public void createClaim(CreateClaimRequest req, StreamObserver<CreateClaimResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> new SlotCommand.CreateClaim(req.getQueue().getProject(), req.getQueue().getName(),
                        req.getLimit(), req.getTtlSeconds(), req.getGraceSeconds()),
                view -> {
                    CreateClaimResponse.Builder b = CreateClaimResponse.newBuilder();
                    if (view.claimSeq() != 0) {
                        b.setClaimId(protos.claimId(slot, view.claimSeq())).addAllMessages(protos.messages(slot, view.messages()));
                    }
                    return b.build();
                });
    }

    @Override
    public void getClaim(GetClaimRequest req, StreamObserver<GetClaimResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> new SlotCommand.GetClaim(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.claimSeq(req.getClaimId(), s)),
                view -> GetClaimResponse.newBuilder().setClaimId(protos.claimId(slot, view.claimSeq()))
                        .setTtlSeconds(view.ttlSeconds()).setAgeSeconds(view.ageSeconds())
                        .addAllMessages(protos.messages(slot, view.messages())).build());
    }

    @Override
    public void updateClaim(UpdateClaimRequest req, StreamObserver<UpdateClaimResponse> out) {
        calls.run(req.getQueue(), out, s -> new SlotCommand.UpdateClaim(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.claimSeq(req.getClaimId(), s), req.getTtlSeconds(), req.getGraceSeconds()),
                ok -> UpdateClaimResponse.getDefaultInstance());
    }

    @Override
    public void releaseClaim(ReleaseClaimRequest req, StreamObserver<ReleaseClaimResponse> out) {
        calls.run(req.getQueue(), out, s -> new SlotCommand.ReleaseClaim(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.claimSeq(req.getClaimId(), s)),
                released -> ReleaseClaimResponse.newBuilder().setReleased(released).build());
    }
}
