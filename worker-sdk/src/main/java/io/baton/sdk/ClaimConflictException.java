package io.baton.sdk;

import io.baton.api.ErrorCode;

/**
 * A delete refused because of claims: the message is held by another valid claim
 * ({@link ErrorCode#CLAIM_CONFLICT}) or the claim named does not hold it ({@link ErrorCode#CLAIM_NOT_HELD}).
 */
public final class ClaimConflictException extends BatonException {
    public ClaimConflictException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
