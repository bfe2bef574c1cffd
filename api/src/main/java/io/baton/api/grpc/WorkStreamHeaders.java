package io.baton.api.grpc;

import io.grpc.Metadata;

/**
 * What a broker says about a {@code Work} stream in its response headers: which forms of request
 * it accepts beyond those every broker does. A worker reads them before choosing a form, so a new
 * worker keeps working against an older broker (during a rolling upgrade, for example).
 */
public final class WorkStreamHeaders {
    private WorkStreamHeaders() {}

    /** Present ("1") when the broker accepts {@code Settle} requests. */
    public static final Metadata.Key<String> SETTLE = Metadata.Key.of("baton-work-settle", Metadata.ASCII_STRING_MARSHALLER);

    /** Whether a stream whose response headers are {@code headers} (null: none seen yet) accepts {@code Settle}. */
    public static boolean acceptsSettle(Metadata headers) {
        return headers != null && "1".equals(headers.get(SETTLE));
    }
}
