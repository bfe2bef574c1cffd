package io.baton.broker.slot;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of one attempt (one claim of one message): RUNNING while the claim holds the
 * message, then exactly one ending, which is final. The ending is decided by the record or the
 * expiry that ends the attempt, from logged state only, so replay and a take-over reach the same.
 */
public enum AttemptOutcome {
    RUNNING("running"),
    /** The message was deleted while the attempt held it: an ack, or a delete under (or past) its claim. */
    ACKED("acked"),
    /** The claim was given back: the handler failed (the worker may say why) or a client released it. */
    RELEASED("released"),
    /** The lease ran out after the worker had extended it at least once: alive, but too slow. */
    LEASE_EXPIRED_AFTER_EXTENSIONS("lease_expired_after_extensions"),
    /** The lease ran out with no extension ever: the worker crashed or hung before its first heartbeat. */
    LEASE_EXPIRED_SILENT("lease_expired_silent"),
    /** The stream that carried the job closed and the worker never came back for it before its lease ran out. */
    STREAM_CLOSED("stream_closed"),
    /** The slot changed hands (a take-over or restart) and the worker never renewed the lease with the new owner. */
    SLOT_MOVED("slot_moved"),
    /** The message's own TTL ran out while the attempt held it. */
    MESSAGE_EXPIRED("message_expired");

    private final String code;

    AttemptOutcome(String code) {
        this.code = code;
    }

    /** The reason code clients see (gRPC, CLI, metrics). */
    public String code() {
        return code;
    }

    public Set<AttemptOutcome> legalNext() {
        return this == RUNNING ? EnumSet.complementOf(EnumSet.of(RUNNING)) : EnumSet.noneOf(AttemptOutcome.class);
    }

    public boolean canBecome(AttemptOutcome next) {
        return legalNext().contains(next);
    }

    /** The outcome a code names, or null. */
    public static AttemptOutcome ofCode(String code) {
        for (AttemptOutcome o : values()) {
            if (o.code.equals(code)) {
                return o;
            }
        }
        return null;
    }
}
