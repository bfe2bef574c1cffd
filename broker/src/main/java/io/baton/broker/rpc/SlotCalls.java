package io.baton.broker.rpc;

import io.baton.api.grpc.BatonErrors;
import io.baton.api.ErrorCode;
import io.baton.api.QueueNames;
import io.baton.api.SlotHash;
import io.baton.api.v1.ErrorDetail;
import io.baton.api.v1.QueueRef;
import io.baton.broker.runtime.LocalSlots;
import io.baton.broker.runtime.SlotDriver;
import io.baton.broker.runtime.SlotUnavailableException;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes a queue's command to its slot and answers the gRPC call with the reply or the error. */
final class SlotCalls {
    private static final Logger log = LoggerFactory.getLogger(SlotCalls.class);

    private final LocalSlots slots;

    SlotCalls(LocalSlots slots) {
        this.slots = slots;
    }

    int slotOf(QueueRef queue) {
        return SlotHash.slotOf(queue.getProject(), queue.getName(), slots.slotCount());
    }

    /**
     * Checks the queue reference, builds the command for its slot ({@code command} may throw
     * {@link SlotException} for a request it cannot express), runs it, and maps the reply.
     */
    <R, T> void run(QueueRef queue, StreamObserver<T> response, IntFunction<SlotCommand<R>> command,
                    Function<R, T> toResponse) {
        try {
            checkQueue(queue);
            int slot = slotOf(queue);
            SlotCommand<R> cmd = command.apply(slot);
            SlotDriver driver = slots.route(slot);
            driver.submit(cmd).whenComplete((reply, err) -> {
                if (err != null) {
                    fail(response, err);
                    return;
                }
                T out;
                try {
                    out = toResponse.apply(reply);
                } catch (RuntimeException e) {
                    fail(response, e);
                    return;
                }
                response.onNext(out);
                response.onCompleted();
            });
        } catch (RuntimeException e) {
            fail(response, e);
        }
    }

    static void checkQueue(QueueRef queue) {
        if (!QueueNames.isValidProject(queue.getProject())) {
            throw new SlotException(ErrorCode.INVALID_ARGUMENT, QueueNames.PROJECT_RULE);
        }
        if (!QueueNames.isValid(queue.getName())) {
            throw new SlotException(ErrorCode.INVALID_ARGUMENT, QueueNames.NAME_RULE);
        }
    }

    static SlotException invalid(String message) {
        return new SlotException(ErrorCode.INVALID_ARGUMENT, message);
    }

    static void fail(StreamObserver<?> response, Throwable err) {
        response.onError(toStatus(err));
    }

    static StatusRuntimeException toStatus(Throwable err) {
        Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (e instanceof SlotException se) {
            return BatonErrors.toStatus(se.code(), se.getMessage());
        }
        if (e instanceof SlotUnavailableException u) {
            return BatonErrors.toStatus(ErrorDetail.newBuilder().setCode(u.code().name()).setMessage(u.getMessage())
                    .setSlot(u.slot()).setEpoch(u.epoch()).setOwnerId(u.ownerId()).setOwnerAddress(u.ownerAddress()).build());
        }
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        log.error("internal error answering a call", e);
        return BatonErrors.toStatus(ErrorCode.INTERNAL, "Internal error: " + e);
    }
}
