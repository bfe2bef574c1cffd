package io.baton.broker.slot;

import java.util.List;

/**
 * A message copied into a queue by a move: its TTL there, its body, where it was, and its attempt
 * ledger ({@code ended} attempts, the latest in {@code recent}), carried over whole.
 */
public record MovedMessage(int ttlSeconds, byte[] body, Origin origin, int ended, List<Attempt> recent) {}
