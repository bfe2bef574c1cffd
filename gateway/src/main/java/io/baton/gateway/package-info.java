/**
 * The HTTP gateway: {@link io.baton.gateway.Gateway} serves the Cloud Queues v1 REST API ({@code
 * v1}) over a Netty HTTP/1.1 server ({@code http}), with pluggable authentication ({@code auth}).
 * It is stateless and talks to brokers only through the worker SDK.
 */
package io.baton.gateway;
