package io.baton.broker.slot;

import io.baton.api.Limits;

/**
 * The numeric limits a slot enforces. {@link #v1()} gives the Cloud Queues v1 defaults; a broker
 * may be configured with others (tests use short claim TTLs, as streaming workers may).
 */
public record SlotLimits(
        long messageTtlMinSeconds,
        long messageTtlMaxSeconds,
        int messagesPerPostMax,
        int messageBodyMaxBytes,
        int metadataMaxBytes,
        int queueListLimitMax,
        int messageListLimitMax,
        int idsPerRequestMax,
        int claimLimitMax,
        long claimTtlMinSeconds,
        long claimTtlMaxSeconds,
        long claimGraceMinSeconds,
        long claimGraceMaxSeconds,
        long requestIdWindowMillis,
        int requestIdWindowMaxEntries) {

    public static SlotLimits v1() {
        return new SlotLimits(
                Limits.MESSAGE_TTL_MIN_SECONDS, Limits.MESSAGE_TTL_MAX_SECONDS,
                Limits.MESSAGES_PER_POST_MAX, Limits.POST_BODY_MAX_BYTES, Limits.METADATA_MAX_BYTES,
                Limits.QUEUE_LIST_LIMIT_MAX, Limits.MESSAGE_LIST_LIMIT_MAX, Limits.IDS_PER_REQUEST_MAX,
                Limits.CLAIM_LIMIT_MAX,
                Limits.CLAIM_TTL_MIN_SECONDS, Limits.CLAIM_TTL_MAX_SECONDS,
                Limits.CLAIM_GRACE_MIN_SECONDS, Limits.CLAIM_GRACE_MAX_SECONDS,
                15 * 60_000L, 100_000);
    }

    /** The same limits with other claim and message TTL floors (for short leases in tests and streaming). */
    public SlotLimits withMinimumTtls(long messageTtlMin, long claimTtlMin, long claimGraceMin) {
        return new SlotLimits(messageTtlMin, messageTtlMaxSeconds, messagesPerPostMax, messageBodyMaxBytes,
                metadataMaxBytes, queueListLimitMax, messageListLimitMax, idsPerRequestMax, claimLimitMax,
                claimTtlMin, claimTtlMaxSeconds, claimGraceMin, claimGraceMaxSeconds,
                requestIdWindowMillis, requestIdWindowMaxEntries);
    }
}
