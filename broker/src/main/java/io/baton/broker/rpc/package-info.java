/**
 * gRPC adapters only: each service turns a request into a {@link io.baton.broker.slot.SlotCommand},
 * routes it to the slot's driver ({@link io.baton.broker.rpc.SlotCalls}), and turns the reply or
 * refusal into a response or a status carrying an {@link io.baton.api.v1.ErrorDetail}. No decision
 * about queues, messages or claims is made here; only checks the state machine cannot make
 * (JSON well-formedness, id and Client-ID syntax) and the routing.
 */
package io.baton.broker.rpc;
