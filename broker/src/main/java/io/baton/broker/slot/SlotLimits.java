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
        int requestIdWindowMaxEntries,
        long queueMaxMessages,
        long queueMaxBytes) {

    public static SlotLimits v1() {
        return new SlotLimits(
                Limits.MESSAGE_TTL_MIN_SECONDS, Limits.MESSAGE_TTL_MAX_SECONDS,
                Limits.MESSAGES_PER_POST_MAX, Limits.POST_BODY_MAX_BYTES, Limits.METADATA_MAX_BYTES,
                Limits.QUEUE_LIST_LIMIT_MAX, Limits.MESSAGE_LIST_LIMIT_MAX, Limits.IDS_PER_REQUEST_MAX,
                Limits.CLAIM_LIMIT_MAX,
                Limits.CLAIM_TTL_MIN_SECONDS, Limits.CLAIM_TTL_MAX_SECONDS,
                Limits.CLAIM_GRACE_MIN_SECONDS, Limits.CLAIM_GRACE_MAX_SECONDS,
                15 * 60_000L, 100_000, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** The same limits with other claim and message TTL floors (for short leases in tests and streaming). */
    public SlotLimits withMinimumTtls(long messageTtlMin, long claimTtlMin, long claimGraceMin) {
        return new SlotLimits(messageTtlMin, messageTtlMaxSeconds, messagesPerPostMax, messageBodyMaxBytes,
                metadataMaxBytes, queueListLimitMax, messageListLimitMax, idsPerRequestMax, claimLimitMax,
                claimTtlMin, claimTtlMaxSeconds, claimGraceMin, claimGraceMaxSeconds,
                requestIdWindowMillis, requestIdWindowMaxEntries, queueMaxMessages, queueMaxBytes);
    }

    /**
     * The same limits with a quota on every queue: at most {@code maxMessages} waiting messages
     * and {@code maxBytes} bytes of their bodies (a post that would pass either is refused whole).
     */
    public SlotLimits withQueueQuota(long maxMessages, long maxBytes) {
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("queue quotas must be positive");
        }
        return new SlotLimits(messageTtlMinSeconds, messageTtlMaxSeconds, messagesPerPostMax, messageBodyMaxBytes,
                metadataMaxBytes, queueListLimitMax, messageListLimitMax, idsPerRequestMax, claimLimitMax,
                claimTtlMinSeconds, claimTtlMaxSeconds, claimGraceMinSeconds, claimGraceMaxSeconds,
                requestIdWindowMillis, requestIdWindowMaxEntries, maxMessages, maxBytes);
    }

    /** The same limits with another publish-deduplication window: how long, and how many request ids per project. */
    public SlotLimits withRequestIdWindow(long windowMillis, int maxEntriesPerProject) {
        if (windowMillis < 1 || maxEntriesPerProject < 1) {
            throw new IllegalArgumentException("the request id window must be positive");
        }
        return new SlotLimits(messageTtlMinSeconds, messageTtlMaxSeconds, messagesPerPostMax, messageBodyMaxBytes,
                metadataMaxBytes, queueListLimitMax, messageListLimitMax, idsPerRequestMax, claimLimitMax,
                claimTtlMinSeconds, claimTtlMaxSeconds, claimGraceMinSeconds, claimGraceMaxSeconds,
                windowMillis, maxEntriesPerProject, queueMaxMessages, queueMaxBytes);
    }
}
