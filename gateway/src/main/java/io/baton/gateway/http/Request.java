package io.baton.gateway.http;

import java.util.List;

/**
 * One complete HTTP request as the API layer sees it, free of Netty types. The body is at most the
 * server's cap; it was read only after the request head passed {@link HttpApi#checkHead}.
 */
public record Request(String method, String uri, Headers headers, byte[] body) {
    /** Case-insensitive header access. */
    public interface Headers {
        /** The first value of the header, or null. */
        String get(String name);

        List<String> getAll(String name);

        boolean contains(String name);
    }
}
