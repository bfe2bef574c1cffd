package io.baton.broker.slot;

/**
 * Where a message that was moved here (dead-lettered or redriven) was before: message
 * {@code seq} of queue {@code queue} (same project) in slot {@code slot}, posted there at
 * {@code postedAt} with a TTL of {@code ttlSeconds}. Slot and sequence name a message uniquely in
 * the cluster, which is what de-duplicates a move copied twice.
 */
public record Origin(int slot, String queue, long seq, long postedAt, int ttlSeconds) {}
