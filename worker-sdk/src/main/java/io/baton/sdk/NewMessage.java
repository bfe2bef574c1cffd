package io.baton.sdk;

import java.util.Objects;

/** A message to post: its TTL in seconds and its body, one JSON value as text. */
public record NewMessage(long ttlSeconds, String bodyJson) {
    public NewMessage {
        Objects.requireNonNull(bodyJson, "bodyJson");
    }
}
