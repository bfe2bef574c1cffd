/**
 * Drives slot state machines: {@link io.baton.broker.runtime.SlotDriver} owns one slot's state
 * machine and log and runs its commands on one of the broker's {@link io.baton.broker.runtime.SlotThreads};
 * {@link io.baton.broker.runtime.LocalSlots} is the registry of the slots this broker serves and
 * answers "who serves slot s" for the RPC layer.
 */
package io.baton.broker.runtime;
