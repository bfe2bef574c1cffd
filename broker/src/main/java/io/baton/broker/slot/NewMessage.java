package io.baton.broker.slot;

/** A message as posted: its TTL and its body (one JSON value, UTF-8, already validated). */
public record NewMessage(int ttlSeconds, byte[] body) {}
