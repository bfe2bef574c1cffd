package io.baton.sdk;

/** How an attempt at a job ended, as the broker recorded it. */
public enum AttemptOutcome {
    /** The attempt holds the job now. */
    RUNNING("running"),
    /** The job was deleted while the attempt held it (acknowledged). */
    ACKED("acked"),
    /** The handler failed and the job was given back ({@link Attempt#errorClass()} says with what). */
    RELEASED("released"),
    /** The lease ran out after the worker had extended it: the handler was alive but too slow. */
    LEASE_EXPIRED_AFTER_EXTENSIONS("lease_expired_after_extensions"),
    /** The lease ran out with no extension ever: the worker crashed or hung. */
    LEASE_EXPIRED_SILENT("lease_expired_silent"),
    /** The stream that carried the job closed and the worker never came back for it. */
    STREAM_CLOSED("stream_closed"),
    /** The queue's slot moved to another broker and the worker never renewed the lease there. */
    SLOT_MOVED("slot_moved"),
    /** The message's own TTL ran out during the attempt. */
    MESSAGE_EXPIRED("message_expired"),
    /** A reason this SDK does not know (a newer broker). */
    UNKNOWN("unknown");

    private final String code;

    AttemptOutcome(String code) {
        this.code = code;
    }

    /** The reason code as the broker and the CLI spell it. */
    public String code() {
        return code;
    }

    /** Every outcome (values() copies its array at each call; a job's ledger asks once per attempt). */
    private static final AttemptOutcome[] ALL = values();

    static AttemptOutcome ofCode(String code) {
        for (AttemptOutcome o : ALL) {
            if (o.code.equals(code)) {
                return o;
            }
        }
        return UNKNOWN;
    }
}
