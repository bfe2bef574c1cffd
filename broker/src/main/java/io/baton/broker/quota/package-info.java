/**
 * Per-project quotas: the policy (a default and per-project limits, from a file the broker
 * re-reads), and the broker-wide accounting of what each project holds against it. The slots
 * report their projects' usage; in a cluster, brokers exchange theirs through ZooKeeper.
 */
package io.baton.broker.quota;
