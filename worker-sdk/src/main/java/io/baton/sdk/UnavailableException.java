package io.baton.sdk;

import io.baton.api.ErrorCode;

/** No broker could answer within the deadline (moving slot, broker down, storage failing). Retry later. */
public final class UnavailableException extends BatonException {
    public UnavailableException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
