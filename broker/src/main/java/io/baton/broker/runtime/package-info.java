/**
 * Drives slot state machines: {@link io.baton.broker.runtime.SlotDriver} owns one slot's state
 * machine and log and runs its commands one at a time on one of the broker's slot lanes
 * ({@link io.baton.broker.runtime.SlotLane}, made by {@link io.baton.broker.runtime.SlotThreads}),
 * which a gRPC request thread may run itself while the lane is idle;
 * {@link io.baton.broker.runtime.LocalSlots} is the registry of the slots this broker serves and
 * answers "who serves slot s" for the RPC layer.
 */
package io.baton.broker.runtime;
