package io.baton.broker.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.baton.api.QueueNames;
import io.baton.api.v1.CreateQueueRequest;
import io.baton.api.v1.CreateQueueResponse;
import io.baton.api.v1.DeleteQueueRequest;
import io.baton.api.v1.DeleteQueueResponse;
import io.baton.api.v1.GetMetadataRequest;
import io.baton.api.v1.GetMetadataResponse;
import io.baton.api.v1.GetStatsRequest;
import io.baton.api.v1.GetStatsResponse;
import io.baton.api.v1.ListQueuesRequest;
import io.baton.api.v1.ListQueuesResponse;
import io.baton.api.v1.QueueExistsRequest;
import io.baton.api.v1.QueueExistsResponse;
import io.baton.api.v1.QueueInfo;
import io.baton.api.v1.QueueServiceGrpc;
import io.baton.api.v1.SetMetadataRequest;
import io.baton.api.v1.SetMetadataResponse;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotOwnershipState;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.Views.QueueListing;
import io.baton.broker.slot.Views.QueueStats;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Queue administration over gRPC. */
public final class QueueRpc extends QueueServiceGrpc.QueueServiceImplBase {
    private final SlotCalls calls;
    private final LocalSlots slots;

    private final Protos protos;

    public QueueRpc(LocalSlots slots, Protos protos) {
        this.slots = slots;
        this.calls = new SlotCalls(slots);
        this.protos = protos;
    }

    @Override
    public void createQueue(CreateQueueRequest req, StreamObserver<CreateQueueResponse> out) {
        calls.run(req.getQueue(), out, slot -> new SlotCommand.CreateQueue(req.getQueue().getProject(), req.getQueue().getName()),
                created -> CreateQueueResponse.newBuilder().setCreated(created).build());
    }

    @Override
    public void deleteQueue(DeleteQueueRequest req, StreamObserver<DeleteQueueResponse> out) {
        calls.run(req.getQueue(), out, slot -> new SlotCommand.DeleteQueue(req.getQueue().getProject(), req.getQueue().getName()),
                deleted -> DeleteQueueResponse.newBuilder().setDeleted(deleted).build());
    }

    @Override
    public void queueExists(QueueExistsRequest req, StreamObserver<QueueExistsResponse> out) {
        calls.run(req.getQueue(), out, slot -> new SlotCommand.QueueExists(req.getQueue().getProject(), req.getQueue().getName()),
                exists -> QueueExistsResponse.newBuilder().setExists(exists).build());
    }

    /** Gathers the page from every slot served here and merges it in name order. */
    @Override
    public void listQueues(ListQueuesRequest req, StreamObserver<ListQueuesResponse> out) {
        if (!QueueNames.isValidProject(req.getProject())) {
            SlotCalls.fail(out, SlotCalls.invalid(io.baton.api.QueueNames.PROJECT_RULE));
            return;
        }
        String marker = req.getMarker().isEmpty() ? null : req.getMarker();
        SlotCommand.ListQueues command = new SlotCommand.ListQueues(req.getProject(), marker, req.getLimit(), req.getDetailed());
        List<SlotDriver> serving = slots.all().stream().filter(d -> d.state() == SlotOwnershipState.SERVING).toList();
        List<CompletableFuture<List<QueueListing>>> parts = new ArrayList<>();
        for (SlotDriver d : serving) {
            parts.add(d.submit(command));
        }
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, err) -> {
            if (err != null) {
                SlotCalls.fail(out, err);
                return;
            }
            List<QueueListing> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            all.sort(Comparator.comparing(QueueListing::name));
            ListQueuesResponse.Builder b = ListQueuesResponse.newBuilder();
            for (QueueListing q : all.subList(0, Math.min(all.size(), req.getLimit()))) {
                QueueInfo.Builder qi = QueueInfo.newBuilder().setName(q.name());
                if (q.metadataJson() != null) {
                    qi.setMetadataJson(UnsafeByteOperations.unsafeWrap(q.metadataJson()));
                }
                b.addQueues(qi);
            }
            serving.forEach(d -> b.addCoveredSlots(d.slot()));
            out.onNext(b.build());
            out.onCompleted();
        });
    }

    @Override
    public void getMetadata(GetMetadataRequest req, StreamObserver<GetMetadataResponse> out) {
        calls.run(req.getQueue(), out, slot -> new SlotCommand.GetMetadata(req.getQueue().getProject(), req.getQueue().getName()),
                json -> GetMetadataResponse.newBuilder().setMetadataJson(UnsafeByteOperations.unsafeWrap(json)).build());
    }

    @Override
    public void setMetadata(SetMetadataRequest req, StreamObserver<SetMetadataResponse> out) {
        calls.run(req.getQueue(), out, slot -> {
            ByteString json = req.getMetadataJson();
            if (json.size() > io.baton.api.Limits.METADATA_MAX_BYTES) {
                throw SlotCalls.invalid("Queue metadata may not be larger than " + io.baton.api.Limits.METADATA_MAX_BYTES + " bytes.");
            }
            byte[] bytes = json.toByteArray();
            String problem = JsonChecks.checkMetadata(bytes);
            if (problem != null) {
                throw SlotCalls.invalid(problem);
            }
            return new SlotCommand.SetMetadata(req.getQueue().getProject(), req.getQueue().getName(), bytes);
        }, ok -> SetMetadataResponse.getDefaultInstance());
    }

    @Override
    public void getStats(GetStatsRequest req, StreamObserver<GetStatsResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> new SlotCommand.GetStats(req.getQueue().getProject(), req.getQueue().getName()),
                (QueueStats st) -> {
                    GetStatsResponse.Builder b = GetStatsResponse.newBuilder()
                            .setClaimed(st.claimed()).setFree(st.free()).setTotal(st.total()).setDelayed(st.delayed());
                    if (st.rates() != null) {
                        io.baton.api.v1.Rates.Builder r = io.baton.api.v1.Rates.newBuilder().setEndMs(st.rates().endMs())
                                .setBucketMs(st.rates().bucketMs());
                        for (int i = 0; i < st.rates().posted().length; i++) {
                            r.addPosted(st.rates().posted()[i]).addDeleted(st.rates().deleted()[i])
                                    .addDeadLettered(st.rates().deadLettered()[i]);
                        }
                        b.setRates(r);
                    }
                    if (st.oldest() != null) {
                        b.setOldest(protos.summary(slot, st.oldest()));
                        b.setNewest(protos.summary(slot, st.newest()));
                    }
                    return b.build();
                });
    }
}
