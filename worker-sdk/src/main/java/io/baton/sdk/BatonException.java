package io.baton.sdk;

import io.baton.api.ErrorCode;

/**
 * Every failure of a Baton call. The subclass (and {@link #code()}) says what to do next:
 * {@link InvalidRequestException} fix the request, {@link NotFoundException} nothing there,
 * {@link ClaimConflictException} the message is held by another claim (or not by yours),
 * {@link UnavailableException} retry later (the SDK already retried within the deadline),
 * {@link ResourceExhaustedException} a limit was reached and nothing was stored: retry later,
 * after workers drained some (the SDK does not retry these itself).
 */
public class BatonException extends RuntimeException {
    private final ErrorCode code;

    public BatonException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public ErrorCode.NextStep nextStep() {
        return code.next();
    }

    static BatonException of(ErrorCode code, String message, Throwable cause) {
        return switch (code) {
            case INVALID_ARGUMENT -> new InvalidRequestException(message, cause);
            case NOT_FOUND -> new NotFoundException(message, cause);
            case CLAIM_CONFLICT, CLAIM_NOT_HELD -> new ClaimConflictException(code, message, cause);
            case UNAVAILABLE, NOT_OWNER -> new UnavailableException(code, message, cause);
            case RESOURCE_EXHAUSTED -> new ResourceExhaustedException(message, cause);
            default -> new BatonException(code, message, cause);
        };
    }
}
