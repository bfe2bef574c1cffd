/**
 * Runnable examples: {@link io.baton.examples.ProducerExample} (batching producer) and
 * {@link io.baton.examples.WorkerFleetExample} (streaming workers: fast, slow, and one that dies
 * mid-job). Run them with {@code examples/run}; {@code examples/curl-walkthrough.sh} is the REST one.
 */
package io.baton.examples;
