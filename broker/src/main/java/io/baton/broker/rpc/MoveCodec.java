package io.baton.broker.rpc;

import com.google.protobuf.ByteString;
import io.baton.api.v1.AcceptMovedRequest;
import io.baton.api.v1.MessageOrigin;
import io.baton.api.v1.QueueRef;
import io.baton.broker.slot.Attempt;
import io.baton.broker.slot.MovedMessage;
import io.baton.broker.slot.Origin;
import io.baton.broker.slot.SlotCommand;
import java.util.ArrayList;
import java.util.List;

/** Moved messages between the slot's form and the wire's ({@code MoveService}). */
public final class MoveCodec {
    private MoveCodec() {}

    public static AcceptMovedRequest request(SlotCommand.AcceptMoved c, Protos protos) {
        AcceptMovedRequest.Builder b = AcceptMovedRequest.newBuilder()
                .setQueue(QueueRef.newBuilder().setProject(c.project()).setName(c.queue()))
                .setRequestId(c.requestId());
        for (MovedMessage m : c.messages()) {
            io.baton.api.v1.MovedMessage.Builder mb = io.baton.api.v1.MovedMessage.newBuilder()
                    .setTtlSeconds(m.ttlSeconds())
                    .setBodyJson(ByteString.copyFrom(m.body()))
                    .setOrigin(MessageOrigin.newBuilder().setSlot(m.origin().slot()).setQueue(m.origin().queue())
                            .setSeq(m.origin().seq()).setPostedAtMs(m.origin().postedAt()).setTtlSeconds(m.origin().ttlSeconds()))
                    .setEnded(m.ended());
            for (Attempt a : m.recent()) {
                mb.addRecent(protos.attempt(a));
            }
            b.addMessages(mb);
        }
        return b.build();
    }

    /** The command a request asks for; throws {@link io.baton.broker.slot.SlotException} for a malformed one. */
    static SlotCommand.AcceptMoved command(AcceptMovedRequest r, Protos protos) {
        List<MovedMessage> messages = new ArrayList<>(r.getMessagesCount());
        for (io.baton.api.v1.MovedMessage m : r.getMessagesList()) {
            MessageOrigin o = m.getOrigin();
            List<Attempt> recent = new ArrayList<>(m.getRecentCount());
            for (io.baton.api.v1.Attempt a : m.getRecentList()) {
                recent.add(protos.attemptOf(a));
            }
            messages.add(new MovedMessage(m.getTtlSeconds(), m.getBodyJson().toByteArray(),
                    new Origin(o.getSlot(), o.getQueue(), o.getSeq(), o.getPostedAtMs(), o.getTtlSeconds()), m.getEnded(),
                    List.copyOf(recent)));
        }
        return new SlotCommand.AcceptMoved(r.getQueue().getProject(), r.getQueue().getName(), r.getRequestId(), messages);
    }
}
