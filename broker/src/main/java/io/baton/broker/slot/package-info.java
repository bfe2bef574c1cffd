/**
 * The slot state machine: where every v1 decision is made (who may claim what, what a delete
 * with a claim id does, when a message or a claim expires). Start at
 * {@link io.baton.broker.slot.SlotStateMachine}.
 *
 * <p>Protocol (as in Kafka's coordinator runtime): a {@link io.baton.broker.slot.SlotCommand} is
 * <em>decided</em> against the current state, which yields the {@link io.baton.broker.slot.SlotRecord}s
 * to write and the reply; the records are then <em>applied</em>, and the driver sends the reply once
 * they are durable. Recovery replays the same records through the same {@code apply}. Nothing here
 * does I/O, reads a clock or starts a thread: time arrives with every command and record, so the
 * same records always give the same state. The package depends on the JDK and on Baton's own pure
 * value types in {@code io.baton.api} (limits, id codec, error codes) only.
 *
 * <p>Threads: one thread at a time (the slot's driver thread). No locking inside.
 */
package io.baton.broker.slot;
