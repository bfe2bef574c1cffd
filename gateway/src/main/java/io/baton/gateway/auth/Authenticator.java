package io.baton.gateway.auth;

/**
 * Decides who may act in which project. Called once per request, after the request's project id
 * and queue name were validated (spec 1.7) and before anything is read or changed.
 */
public interface Authenticator {
    /** The project used when a request names none and authentication is off (v1's anonymous project). */
    String DEFAULT_PROJECT = "default";

    /**
     * @param token the {@code X-Auth-Token} header, or null
     * @param project the project the request names (path or {@code X-Project-Id}), or null
     */
    Decision decide(String token, String project);

    /** Whether requests need a token at all (false: the header is ignored). */
    boolean required();

    /** The outcome: act in {@code project}, or refuse with an HTTP status and a reason. */
    sealed interface Decision {
        record Allowed(String project) implements Decision {}

        /** 401 (no or unknown token), 403 (token not valid for the project) or 400 (which project?). */
        record Refused(int status, String description) implements Decision {}
    }

    static Authenticator none() {
        return NoAuth.INSTANCE;
    }
}
