package io.baton.api.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/**
 * How a token travels on a gRPC call: {@code authorization: Bearer <token>} metadata, as HTTP
 * bearer credentials do. Clients attach it with {@link #attach}; brokers read it back.
 */
public final class BearerToken {
    public static final Metadata.Key<String> HEADER = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String SCHEME = "Bearer ";

    private BearerToken() {}

    /** An interceptor that sends {@code token} with every call of the channel it wraps. */
    public static ClientInterceptor attach(String token) {
        if (token == null || token.isBlank() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("a token is printable ASCII without spaces");
        }
        Metadata headers = new Metadata();
        headers.put(HEADER, SCHEME + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** The token of a call's {@code headers}, or null if it carries none. */
    public static String of(Metadata headers) {
        String value = headers.get(HEADER);
        if (value == null || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return null;
        }
        String token = value.substring(SCHEME.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
