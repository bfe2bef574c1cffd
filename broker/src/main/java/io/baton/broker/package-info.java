/**
 * A Baton broker node. {@link io.baton.broker.Broker} assembles the parts: {@code slot} (the
 * state machine: where every claim is decided), {@code log} (storage), {@code runtime} (the
 * threads that drive slots), {@code cluster} (ZooKeeper), {@code rpc} (gRPC adapters) and
 * {@code metrics}.
 */
package io.baton.broker;
