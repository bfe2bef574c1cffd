package io.baton.broker.slot;

/**
 * Where messages under a move hold go: to queue {@code queue} of the same project, with a TTL of
 * {@code ttlSeconds} (0: each keeps its own). {@code redrive}: back from a dead-letter queue to
 * the queue they came from (else: dead-lettered).
 */
public record Move(String queue, int ttlSeconds, boolean redrive) {}
