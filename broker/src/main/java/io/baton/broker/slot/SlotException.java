package io.baton.broker.slot;

import io.baton.api.ErrorCode;

/**
 * A command the state machine refuses. Thrown by {@code decide} before anything changed, so a
 * refused command has no effect. No stack trace: refusals are expected traffic, not bugs.
 */
public final class SlotException extends RuntimeException {
    private final ErrorCode code;

    public SlotException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    static SlotException invalid(String message) {
        return new SlotException(ErrorCode.INVALID_ARGUMENT, message);
    }

    static SlotException notFound(String message) {
        return new SlotException(ErrorCode.NOT_FOUND, message);
    }
}
