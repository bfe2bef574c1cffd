package io.baton.gateway.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One HTTP response: status, extra headers and body (empty for 204 and HEAD). The HTTP layer adds
 * Content-Length and the keep-alive headers.
 */
public record Reply(int status, String contentType, List<Map.Entry<String, String>> headers, byte[] body) {
    public static final String JSON = "application/json; charset=utf-8";
    private static final byte[] NO_BODY = new byte[0];

    public static Reply empty(int status) {
        return new Reply(status, null, List.of(), NO_BODY);
    }

    public static Reply json(int status, byte[] body) {
        return new Reply(status, JSON, List.of(), body);
    }

    public Reply withHeader(String name, String value) {
        List<Map.Entry<String, String>> h = new ArrayList<>(headers);
        h.add(Map.entry(name, value));
        return new Reply(status, contentType, List.copyOf(h), body);
    }

    public Reply withContentType(String type) {
        return new Reply(status, type, headers, body);
    }

    /** The same reply without its body (for HEAD); headers, Content-Type included, stay. */
    public Reply withoutBody() {
        return new Reply(status, contentType, headers, NO_BODY);
    }
}
