package io.baton.sdk;

import io.baton.api.ErrorCode;

/** The request is malformed or out of range; nothing changed. */
public final class InvalidRequestException extends BatonException {
    public InvalidRequestException(String message, Throwable cause) {
        super(ErrorCode.INVALID_ARGUMENT, message, cause);
    }
}
