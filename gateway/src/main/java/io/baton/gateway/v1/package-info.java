/**
 * The Cloud Queues v1 REST API (docs/REST.md describes it for clients): {@link
 * io.baton.gateway.v1.V1Api} runs the spec's validation order and dispatches by {@code Route} to
 * the resources, which call brokers through the SDK's {@code BatonClient} and never block.
 */
package io.baton.gateway.v1;
