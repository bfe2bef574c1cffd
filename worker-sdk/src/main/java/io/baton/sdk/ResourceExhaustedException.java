package io.baton.sdk;

import io.baton.api.ErrorCode;

/**
 * The broker refused a write because a limit was reached: its memory budget, its disk's free-space
 * floor, or a queue's or project's quota. Nothing was stored. Retry later, once workers have
 * drained some; the message says which limit.
 */
public final class ResourceExhaustedException extends BatonException {
    public ResourceExhaustedException(String message, Throwable cause) {
        super(ErrorCode.RESOURCE_EXHAUSTED, message, cause);
    }
}
