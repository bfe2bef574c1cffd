package io.baton.api;

/**
 * The Cloud Queues v1 limits (spec section 5), in one place. The broker enforces them on every
 * request whatever its transport; the gateway uses the same numbers for its own checks.
 */
public final class Limits {
    private Limits() {}

    public static final int QUEUE_NAME_MAX_LENGTH = 64;
    public static final int PROJECT_ID_MAX_LENGTH = 256;

    public static final int METADATA_MAX_BYTES = 65_536;
    public static final int POST_BODY_MAX_BYTES = 262_144;

    public static final int MESSAGES_PER_POST_MAX = 20;
    public static final long MESSAGE_TTL_MIN_SECONDS = 60;
    public static final long MESSAGE_TTL_MAX_SECONDS = 1_209_600;

    public static final int QUEUE_LIST_LIMIT_MAX = 20;
    public static final int QUEUE_LIST_LIMIT_DEFAULT = 10;
    public static final int MESSAGE_LIST_LIMIT_MAX = 20;
    public static final int MESSAGE_LIST_LIMIT_DEFAULT = 10;
    public static final int IDS_PER_REQUEST_MAX = 20;

    public static final int CLAIM_LIMIT_MAX = 20;
    public static final int CLAIM_LIMIT_DEFAULT = 10;
    public static final long CLAIM_TTL_MIN_SECONDS = 60;
    public static final long CLAIM_TTL_MAX_SECONDS = 43_200;
    public static final long CLAIM_GRACE_MIN_SECONDS = 60;
    public static final long CLAIM_GRACE_MAX_SECONDS = 43_200;
    /** A renewal (PATCH) may give no grace at all. */
    public static final long CLAIM_RENEW_GRACE_MIN_SECONDS = 0;

    /** Longest client request id kept for publish de-duplication. */
    public static final int REQUEST_ID_MAX_LENGTH = 128;

    /** Streaming workers (not v1): the most jobs claimed in one batch, and the most acks in one message. */
    public static final int WORK_BATCH_MAX = 1_000;

    /** The default number of slots a cluster is created with. */
    public static final int DEFAULT_SLOT_COUNT = 256;
}
