package io.baton.broker.quota;

/** A publish would take its project past its quota; nothing was stored. The message says which limit. */
public final class QuotaExceededException extends RuntimeException {
    public QuotaExceededException(String message) {
        super(message, null, false, false);
    }
}
