package io.baton.api.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.baton.api.ErrorCode;
import io.baton.api.v1.ErrorDetail;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * How an {@link ErrorCode} travels over gRPC: the status code of the catalogue entry plus an
 * {@link ErrorDetail} in the binary trailer {@code baton-error-bin}.
 */
public final class BatonErrors {
    private BatonErrors() {}

    public static final Metadata.Key<byte[]> DETAIL_KEY =
            Metadata.Key.of("baton-error-bin", Metadata.BINARY_BYTE_MARSHALLER);

    public static StatusRuntimeException toStatus(ErrorDetail detail) {
        ErrorCode code = ErrorCode.byName(detail.getCode());
        Metadata trailers = new Metadata();
        trailers.put(DETAIL_KEY, detail.toByteArray());
        return Status.fromCode(Status.Code.valueOf(code.grpcCode())).withDescription(detail.getMessage()).asRuntimeException(trailers);
    }

    public static StatusRuntimeException toStatus(ErrorCode code, String message) {
        return toStatus(ErrorDetail.newBuilder().setCode(code.name()).setMessage(message).build());
    }

    /**
     * The detail a failed call carried. A status without one (a transport failure, a deadline) is
     * described from its gRPC code (an unreachable broker saying so): UNAVAILABLE and DEADLINE_EXCEEDED become {@link ErrorCode#UNAVAILABLE},
     * RESOURCE_EXHAUSTED (a message over a transport limit, say) {@link ErrorCode#RESOURCE_EXHAUSTED}.
     */
    public static ErrorDetail detailOf(Throwable t) {
        Status status = Status.fromThrowable(t);
        Metadata trailers = Status.trailersFromThrowable(t);
        if (trailers != null) {
            byte[] bytes = trailers.get(DETAIL_KEY);
            if (bytes != null) {
                try {
                    return ErrorDetail.parseFrom(bytes);
                } catch (InvalidProtocolBufferException e) {
                    // fall through to the status code
                }
            }
        }
        ErrorCode code = switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED -> ErrorCode.UNAVAILABLE;
            case RESOURCE_EXHAUSTED -> ErrorCode.RESOURCE_EXHAUSTED;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorCode.INVALID_ARGUMENT;
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
            case PERMISSION_DENIED -> ErrorCode.PERMISSION_DENIED;
            default -> ErrorCode.INTERNAL;
        };
        String why = status.getDescription() != null ? status.getCode() + ": " + status.getDescription() : status.getCode().name();
        // Said plainly: callers pass a broker's own reasons on (a REST client sees them), and an
        // unreachable broker's reason is the transport's.
        String message = code == ErrorCode.UNAVAILABLE ? "The broker could not be reached (" + why + ")."
                : status.getDescription() != null ? status.getDescription() : status.getCode().name();
        return ErrorDetail.newBuilder().setCode(code.name()).setMessage(message).build();
    }
}
