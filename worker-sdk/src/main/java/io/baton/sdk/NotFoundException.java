package io.baton.sdk;

import io.baton.api.ErrorCode;

/** The queue, message or claim does not exist in this project. */
public final class NotFoundException extends BatonException {
    public NotFoundException(String message, Throwable cause) {
        super(ErrorCode.NOT_FOUND, message, cause);
    }
}
