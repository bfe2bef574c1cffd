package io.baton.broker.rpc;

import com.google.protobuf.Message;
import io.baton.api.grpc.BatonErrors;
import io.baton.api.grpc.BearerToken;
import io.baton.api.ErrorCode;
import io.baton.api.v1.ClusterServiceGrpc;
import io.baton.api.v1.MoveServiceGrpc;
import io.baton.auth.Credentials;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;

/**
 * Authentication and authorization of every gRPC call, in front of every service (TCP, in-process
 * and direct calls alike): the caller sends a bearer token ({@code authorization: Bearer <token>});
 * a missing or unknown token is refused with UNAUTHENTICATED before any handler exists, and a
 * request naming a project the token does not grant ({@link ProjectsNamed}) with PERMISSION_DENIED
 * before the handler sees it. A stream's first message must name its project (a {@code Work}
 * stream's subscription); later messages act within it. The cluster map needs only a valid token (a
 * broker's status names the project whose streams it lists, and is checked like any request);
 * moving messages between brokers needs the service identity (a token granting every project,
 * {@link Credentials#ANY_PROJECT}), as does a request that names no project at all.
 *
 * <p>Threads: gRPC serializes a call's listener callbacks; nothing here blocks.
 */
public final class CallAuthorizer implements ServerInterceptor {
    /** The one method any valid token may call whatever it grants: who owns what names no tenant's data. */
    private static final String CLUSTER_MAP = ClusterServiceGrpc.getGetClusterMapMethod().getFullMethodName();
    private static final String MOVES = MoveServiceGrpc.SERVICE_NAME;

    private final Credentials credentials;
    private final Counter unauthenticated;
    private final Counter denied;

    public CallAuthorizer(Credentials credentials, MeterRegistry registry) {
        this.credentials = credentials;
        this.unauthenticated = refusals(registry, "unauthenticated");
        this.denied = refusals(registry, "permission_denied");
    }

    private static Counter refusals(MeterRegistry registry, String reason) {
        return Counter.builder("baton.grpc.auth.refused").tag("reason", reason)
                .description("gRPC calls refused: no or an unknown token (unauthenticated), or a project the token does not grant")
                .register(registry);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        String token = BearerToken.of(headers);
        Set<String> projects = token == null ? null : credentials.projectsOf(token);
        if (projects == null) {
            unauthenticated.increment();
            refuse(call, ErrorCode.UNAUTHENTICATED, token == null
                    ? "A token is required: send it as the call's \"authorization: Bearer <token>\" metadata."
                    : "The token is not valid.");
            return new ServerCall.Listener<>() {};
        }
        String service = call.getMethodDescriptor().getServiceName();
        boolean everyProject = projects.contains(Credentials.ANY_PROJECT);
        if (CLUSTER_MAP.equals(call.getMethodDescriptor().getFullMethodName()) || everyProject) {
            return next.startCall(call, headers);
        }
        if (MOVES.equals(service)) {
            denied.increment();
            refuse(call, ErrorCode.PERMISSION_DENIED, "Only brokers move messages between queues.");
            return new ServerCall.Listener<>() {};
        }
        return new Checked<>(next.startCall(call, headers), call, projects);
    }

    private void refuse(ServerCall<?, ?> call, ErrorCode code, String why) {
        StatusRuntimeException e = BatonErrors.toStatus(code, why);
        call.close(e.getStatus(), e.getTrailers());
    }

    /** Checks each request of a call against the token's projects before its handler sees it. */
    private final class Checked<Q, A> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final ServerCall<Q, A> call;
        private final Set<String> projects;
        private boolean first = true;
        private boolean refused;

        Checked(ServerCall.Listener<Q> delegate, ServerCall<Q, A> call, Set<String> projects) {
            super(delegate);
            this.call = call;
            this.projects = projects;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            String why = why((Message) message);
            first = false;
            if (why != null) {
                refused = true;
                denied.increment();
                refuse(call, ErrorCode.PERMISSION_DENIED, why);
                // The handler exists already (a Work session counts itself): let it end as a cancelled call does.
                super.onCancel();
                return;
            }
            super.onMessage(message);
        }

        private String why(Message request) {
            List<String> named = ProjectsNamed.in(request);
            if (named.isEmpty()) {
                return first ? "The request names no project." : null;
            }
            for (String p : named) {
                if (!projects.contains(p)) {
                    return "The token does not grant project \"" + (p.length() > 64 ? p.substring(0, 64) + "..." : p) + "\".";
                }
            }
            return null;
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            if (!refused) {
                super.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!refused) {
                super.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                super.onReady();
            }
        }
    }
}
