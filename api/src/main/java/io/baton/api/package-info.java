/**
 * Values every Baton module shares: the v1 limits ({@link io.baton.api.Limits}), the queue-to-slot hash ({@link io.baton.api.SlotHash}) and the one
 * catalogue of error codes ({@link io.baton.api.ErrorCode}) that gRPC and REST both speak; and
 * the way a client reaches a broker in its own JVM ({@link io.baton.api.grpc.InProcessBrokers},
 * {@link io.baton.api.grpc.DirectChannel}).
 * The generated protobuf and gRPC classes live in {@code io.baton.api.v1}.
 */
package io.baton.api;
