package io.baton.broker.log;

import java.io.IOException;

/**
 * Stored data failed its integrity check somewhere a crash cannot explain (a bad checksum before
 * the end of what was acknowledged, a missing segment, an unreadable snapshot). The slot must not
 * serve: what it would serve is partial. Nothing was deleted or changed.
 */
public final class LogCorruptedException extends IOException {
    public LogCorruptedException(String message) {
        super(message);
    }
}
