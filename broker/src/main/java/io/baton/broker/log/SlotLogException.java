package io.baton.broker.log;

/** A log that could not make records durable; the slot that owns it must stop serving. */
public final class SlotLogException extends RuntimeException {
    public SlotLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
