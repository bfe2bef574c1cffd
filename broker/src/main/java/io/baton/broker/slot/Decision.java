package io.baton.broker.slot;

import java.util.List;
import java.util.function.Supplier;

/**
 * What deciding a command produced: the records to write (possibly none) and the reply. The reply
 * is computed after the records are applied (a claim's reply shows the claimed messages as they
 * are once taken) and sent only once the records are durable.
 */
public record Decision<R>(List<SlotRecord> records, Supplier<R> reply) {
    public static <R> Decision<R> read(R reply) {
        return new Decision<>(List.of(), () -> reply);
    }

    public static <R> Decision<R> write(SlotRecord record, R reply) {
        return new Decision<>(List.of(record), () -> reply);
    }
}
