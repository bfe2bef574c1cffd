/**
 * gRPC plumbing shared by brokers, gateways and the SDK: error details on the wire
 * ({@link io.baton.api.grpc.BatonErrors}), bearer tokens in call metadata
 * ({@link io.baton.api.grpc.BearerToken}), and calls to a broker in the same JVM without a socket
 * ({@link io.baton.api.grpc.InProcessBrokers}, {@link io.baton.api.grpc.DirectChannel}). The rest
 * of {@code io.baton.api} (names, limits, the error catalogue) knows no transport.
 */
package io.baton.api.grpc;
