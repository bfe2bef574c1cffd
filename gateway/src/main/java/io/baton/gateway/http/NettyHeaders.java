package io.baton.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** {@link Request.Headers} over Netty's (already case-insensitive) headers. */
record NettyHeaders(HttpHeaders headers) implements Request.Headers {
    @Override
    public String get(String name) {
        return headers.get(name);
    }

    @Override
    public List<String> getAll(String name) {
        return headers.getAll(name);
    }

    @Override
    public boolean contains(String name) {
        return headers.contains(name);
    }
}
