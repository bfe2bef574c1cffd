package io.baton.gateway.v1;

/**
 * A v1 error reply (spec 1.4): status, the reference implementation's title, and a description.
 * Thrown by validation anywhere in a request's handling and turned into the JSON error body once.
 */
final class V1Error extends RuntimeException {
    static final String INVALID_API_REQUEST = "Invalid API request";
    static final String INVALID_BODY = "Invalid request body";
    static final String INVALID_IDENTIFICATION = "Invalid queue identification";
    static final String MISSING_HEADER = "Missing header value";
    static final String WRONG_UUID = "Wrong UUID value";
    static final String INVALID_QUERY = "Invalid query parameter";
    static final String MISSING_QUERY = "Missing query parameter";
    static final String NOT_FOUND = "Not found";
    static final String UNABLE_TO_DELETE = "Unable to delete";
    static final String UNAVAILABLE = "Service temporarily unavailable";

    private final int status;
    private final String title;

    V1Error(int status, String title, String description) {
        super(description, null, false, false);
        this.status = status;
        this.title = title;
    }

    int status() {
        return status;
    }

    String title() {
        return title;
    }

    String description() {
        return getMessage();
    }

    static V1Error invalid(String description) {
        return new V1Error(400, INVALID_API_REQUEST, description);
    }

    static V1Error body(String description) {
        return new V1Error(400, INVALID_BODY, description);
    }

    static V1Error identification(String description) {
        return new V1Error(400, INVALID_IDENTIFICATION, description);
    }

    static V1Error query(String description) {
        return new V1Error(400, INVALID_QUERY, description);
    }

    static V1Error notFound(String description) {
        return new V1Error(404, NOT_FOUND, description);
    }

    static V1Error unavailable(String reason) {
        return new V1Error(503, UNAVAILABLE, reason + " Please try again in a few seconds.");
    }
}
