package io.baton.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/** Turns a {@link Reply} into a Netty response. */
final class Responses {
    private Responses() {}

    static FullHttpResponse toNetty(Reply reply, HttpVersion version, boolean head) {
        byte[] body = head ? new byte[0] : reply.body();
        FullHttpResponse r = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(reply.status()),
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (reply.contentType() != null && reply.body().length > 0) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        }
        for (Map.Entry<String, String> h : reply.headers()) {
            r.headers().add(h.getKey(), h.getValue());
        }
        // 204 must not carry Content-Length (RFC 9110 8.6); everything else states it so the
        // connection can be kept alive. A HEAD states the length its GET would have had.
        if (reply.status() != 204) {
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        }
        return r;
    }
}
