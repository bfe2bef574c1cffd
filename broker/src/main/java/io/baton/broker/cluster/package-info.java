/**
 * Coordination through ZooKeeper (Apache Curator). Layout under {@code /baton/<cluster>}:
 * {@code config} (the slot count, fixed at creation), {@code brokers/<id>} (ephemeral; each
 * broker's address), {@code assignment} (slot -> broker and epoch; changed only by versioned
 * compare-and-set, so two writers can never both win). {@link io.baton.broker.cluster.OwnershipReconciler}
 * turns the assignment into slots served here, and stops serving when the ZooKeeper session is
 * suspended or lost. In standalone the broker assigns every slot to itself
 * ({@link io.baton.broker.cluster.SelfAssigner}); a cluster controller writes the same node.
 */
package io.baton.broker.cluster;
