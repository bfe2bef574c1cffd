package io.baton.broker.rpc;

import io.baton.api.ClientIds;
import io.baton.api.v1.DeleteMessageRequest;
import io.baton.api.v1.DeleteMessageResponse;
import io.baton.api.v1.DeleteMessagesRequest;
import io.baton.api.v1.DeleteMessagesResponse;
import io.baton.api.v1.GetMessageRequest;
import io.baton.api.v1.GetMessageResponse;
import io.baton.api.v1.GetMessagesRequest;
import io.baton.api.v1.GetMessagesResponse;
import io.baton.api.v1.ListMessagesRequest;
import io.baton.api.v1.ListMessagesResponse;
import io.baton.api.v1.MessageServiceGrpc;
import io.baton.api.v1.PublishRequest;
import io.baton.api.v1.PublishResponse;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Messages over gRPC: publish, list, get, delete. */
public final class MessageRpc extends MessageServiceGrpc.MessageServiceImplBase {
    private final SlotCalls calls;

    private final Protos protos;

    public MessageRpc(LocalSlots slots, Protos protos) {
        this.calls = new SlotCalls(slots);
        this.protos = protos;
    }

    private static UUID clientId(String text, boolean required) {
        if (text.isEmpty() && !required) {
            return null;
        }
        UUID id = ClientIds.parse(text);
        if (id == null) {
            throw SlotCalls.invalid(text.isEmpty() ? "A Client-ID is required." : "Client-ID must be a UUID.");
        }
        return id;
    }

    @Override
    public void publish(PublishRequest req, StreamObserver<PublishResponse> out) {
        calls.run(req.getQueue(), out, slot -> {
            UUID client = clientId(req.getClientId(), true);
            List<NewMessage> messages = new ArrayList<>(req.getMessagesCount());
            for (io.baton.api.v1.NewMessage m : req.getMessagesList()) {
                byte[] body = m.getBodyJson().toByteArray();
                String problem = JsonChecks.checkValue(body);
                if (problem != null) {
                    throw SlotCalls.invalid("Message " + messages.size() + ": " + problem);
                }
                int delay = NewMessage.QUEUE_DELAY;
                if (m.hasDelaySeconds()) {
                    if (m.getDelaySeconds() < 0) {
                        throw SlotCalls.invalid("Message " + messages.size() + ": the delay may not be negative.");
                    }
                    delay = (int) Math.min(Integer.MAX_VALUE, m.getDelaySeconds());
                }
                messages.add(new NewMessage(clampToInt(m.getTtlSeconds()), body, delay));
            }
            return new SlotCommand.Publish(req.getQueue().getProject(), req.getQueue().getName(), client,
                    req.getRequestId(), messages);
        }, result -> {
            int slot = calls.slotOf(req.getQueue());
            PublishResponse.Builder b = PublishResponse.newBuilder().setDuplicate(result.duplicate());
            result.seqs().forEach(s -> b.addMessageIds(protos.messageId(slot, s)));
            return b.build();
        });
    }

    @Override
    public void listMessages(ListMessagesRequest req, StreamObserver<ListMessagesResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> {
            UUID client = clientId(req.getClientId(), true);
            return new SlotCommand.ListMessages(req.getQueue().getProject(), req.getQueue().getName(), client,
                    marker(req.getMarker()), req.getLimit(), req.getEcho(), req.getIncludeClaimed(), req.getIncludeDelayed());
        }, page -> {
            ListMessagesResponse.Builder b = ListMessagesResponse.newBuilder().addAllMessages(protos.messages(slot, page.messages()));
            if (!page.messages().isEmpty()) {
                b.setNextMarker(Long.toString(page.nextMarker()));
            }
            return b.build();
        });
    }

    /** Markers are decimal sequences; anything else (or one past every sequence) lists nothing. */
    private static long marker(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return Long.MAX_VALUE;
            }
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public void getMessage(GetMessageRequest req, StreamObserver<GetMessageResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> new SlotCommand.GetMessage(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.messageSeq(req.getMessageId(), s)),
                v -> GetMessageResponse.newBuilder().setMessage(protos.message(slot, v)).build());
    }

    @Override
    public void getMessages(GetMessagesRequest req, StreamObserver<GetMessagesResponse> out) {
        int slot = calls.slotOf(req.getQueue());
        calls.run(req.getQueue(), out, s -> new SlotCommand.GetMessages(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.messageSeqs(req.getMessageIdsList(), s)),
                views -> GetMessagesResponse.newBuilder().addAllMessages(protos.messages(slot, views)).build());
    }

    @Override
    public void deleteMessage(DeleteMessageRequest req, StreamObserver<DeleteMessageResponse> out) {
        calls.run(req.getQueue(), out, s -> {
            long claim = req.getClaimId().isEmpty() ? SlotCommand.DeleteMessage.NO_CLAIM : protos.claimSeq(req.getClaimId(), s);
            if (claim < 0) {
                claim = SlotCommand.DeleteMessage.BAD_CLAIM;
            }
            return new SlotCommand.DeleteMessage(req.getQueue().getProject(), req.getQueue().getName(),
                    protos.messageSeq(req.getMessageId(), s), claim);
        }, deleted -> DeleteMessageResponse.newBuilder().setDeleted(deleted).build());
    }

    @Override
    public void deleteMessages(DeleteMessagesRequest req, StreamObserver<DeleteMessagesResponse> out) {
        calls.run(req.getQueue(), out, s -> new SlotCommand.DeleteMessages(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.messageSeqs(req.getMessageIdsList(), s)),
                n -> DeleteMessagesResponse.newBuilder().setDeleted(n).build());
    }

    @Override
    public void purgeMessages(io.baton.api.v1.PurgeMessagesRequest req, StreamObserver<io.baton.api.v1.PurgeMessagesResponse> out) {
        calls.run(req.getQueue(), out, s -> {
            long upTo = Long.MAX_VALUE;
            if (!req.getUpToMessageId().isEmpty()) {
                upTo = protos.messageSeq(req.getUpToMessageId(), s);
                if (upTo <= 0) {
                    throw SlotCalls.invalid("up_to_message_id is not a message id of this queue.");
                }
            }
            return new SlotCommand.PurgeMessages(req.getQueue().getProject(), req.getQueue().getName(), upTo, req.getLimit());
        }, r -> io.baton.api.v1.PurgeMessagesResponse.newBuilder().setDeleted(r.deleted()).setMore(r.more()).build());
    }

    @Override
    public void redrive(io.baton.api.v1.RedriveRequest req, StreamObserver<io.baton.api.v1.RedriveResponse> out) {
        calls.run(req.getQueue(), out, s -> new SlotCommand.Redrive(req.getQueue().getProject(), req.getQueue().getName(),
                        protos.messageSeqs(req.getMessageIdsList(), s), req.getLimit()),
                r -> io.baton.api.v1.RedriveResponse.newBuilder().setStarted(r.started()).setNotMoved(r.notMoved()).build());
    }

    private static int clampToInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }
}
