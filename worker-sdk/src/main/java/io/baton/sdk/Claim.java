package io.baton.sdk;

import java.util.List;

/** A claim (lease) and the messages it holds. An empty {@code id} means nothing was free to claim. */
public record Claim(String id, long ttlSeconds, long ageSeconds, List<Message> messages) {
    public boolean isEmpty() {
        return messages.isEmpty();
    }
}
