package io.baton.gateway.http;

import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP server serves. The server owns sockets, parsing, keep-alive and the body cap; the
 * API owns everything the request means.
 */
public interface HttpApi {
    /**
     * Checks what can be checked from the request head alone, in the API's validation order, and
     * returns the error reply, or null when the head is acceptable. Called for every request whose
     * body is over the cap, so that an earlier error in the order still wins over the size error.
     */
    Reply checkHead(String method, String uri, Request.Headers headers);

    /** The reply to a request whose body is larger than {@link #maxBodyBytes()}. */
    Reply bodyTooLarge(String method, String uri);

    /** The reply to a request the HTTP codec could not parse; {@code reason} is a fixed phrase, never exception text. */
    Reply malformed(String reason);

    /** The reply to a request that did not arrive whole within the server's deadline. */
    Reply requestTimeout();

    /** The largest request body any route accepts; bigger bodies are refused before they are read. */
    int maxBodyBytes();

    /** Answers the request; the future never fails (errors are replies). */
    CompletableFuture<Reply> handle(Request request);
}
