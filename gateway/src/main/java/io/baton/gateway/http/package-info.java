/**
 * The HTTP/1.1 transport on Netty: sockets, keep-alive, the request-body cap, in-order replies.
 * Knows nothing of queues; serves any {@link io.baton.gateway.http.HttpApi}.
 */
package io.baton.gateway.http;
