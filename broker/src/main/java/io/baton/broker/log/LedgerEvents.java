package io.baton.broker.log;

/**
 * What happens to a broker's BookKeeper ledgers, for metrics. Called on BookKeeper's callback
 * threads and on slot threads: keep it cheap.
 */
public interface LedgerEvents {
    LedgerEvents NONE = new LedgerEvents() {};

    /** One entry of {@code records} records reached its ack quorum {@code nanos} after it was sent. */
    default void added(long nanos, int records) {}

    /** Taking a slot over fenced a ledger its previous owner had left open (it died or was cut off). */
    default void fencedPreviousOwner() {}

    /** An append here was refused because a new owner fenced this broker's ledger: this broker lost the slot. */
    default void fencedHere() {}
}
