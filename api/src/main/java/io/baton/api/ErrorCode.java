package io.baton.api;

/**
 * The one catalogue of Baton errors, shared by the gRPC API and the REST gateway. Each code says
 * what the caller should do next ({@link NextStep}) and how it travels on each transport.
 */
public enum ErrorCode {
    /** The request is malformed or out of range; nothing changed. Fix it. */
    INVALID_ARGUMENT(NextStep.FIX_REQUEST, "INVALID_ARGUMENT", 400, "Invalid API request"),
    /** The queue, message or claim does not exist (for this project). */
    NOT_FOUND(NextStep.FIX_REQUEST, "NOT_FOUND", 404, "Not found"),
    /** The message is held by another valid claim; delete it through that claim or wait. */
    CLAIM_CONFLICT(NextStep.FIX_REQUEST, "FAILED_PRECONDITION", 403, "Unable to delete"),
    /** The claim named does not hold the message (released or never held); nothing deleted. */
    CLAIM_NOT_HELD(NextStep.FIX_REQUEST, "FAILED_PRECONDITION", 400, "Unable to delete"),
    /** This broker does not own the slot; the error names the owner. Refresh the cluster map and go there. */
    NOT_OWNER(NextStep.REDIRECT, "FAILED_PRECONDITION", 503, "Service temporarily unavailable"),
    /** The slot is recovering, moving or its storage is failing; retry shortly. */
    UNAVAILABLE(NextStep.RETRY, "UNAVAILABLE", 503, "Service temporarily unavailable"),
    /**
     * A limit was reached (the broker's memory budget, its disk's free-space floor, a queue's or
     * project's quota, a full work queue); nothing was stored. Retry later, after workers drained
     * some. Reads, claims, deletes and acks are never refused this way.
     */
    RESOURCE_EXHAUSTED(NextStep.RETRY, "RESOURCE_EXHAUSTED", 503, "Service temporarily unavailable"),
    /** No or unknown credentials. */
    UNAUTHENTICATED(NextStep.FIX_REQUEST, "UNAUTHENTICATED", 401, "Authentication required"),
    /** Credentials valid, but not for this project. */
    PERMISSION_DENIED(NextStep.FIX_REQUEST, "PERMISSION_DENIED", 403, "Not authorized"),
    /** A bug in Baton. Report it. */
    INTERNAL(NextStep.GIVE_UP, "INTERNAL", 500, "Internal server error");

    /** What a caller should do on receiving the error. */
    public enum NextStep { FIX_REQUEST, RETRY, REDIRECT, GIVE_UP }

    private final NextStep next;
    private final String grpcCode;
    private final int httpStatus;
    private final String httpTitle;

    ErrorCode(NextStep next, String grpcCode, int httpStatus, String httpTitle) {
        this.next = next;
        this.grpcCode = grpcCode;
        this.httpStatus = httpStatus;
        this.httpTitle = httpTitle;
    }

    public NextStep next() {
        return next;
    }

    /** The name of the io.grpc.Status.Code the error travels as (this class stays free of gRPC). */
    public String grpcCode() {
        return grpcCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String httpTitle() {
        return httpTitle;
    }

    /** The code named {@code name}, or {@link #INTERNAL} for names this version does not know. */
    public static ErrorCode byName(String name) {
        for (ErrorCode c : values()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return INTERNAL;
    }
}
