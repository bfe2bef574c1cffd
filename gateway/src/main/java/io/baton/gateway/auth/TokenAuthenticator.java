package io.baton.gateway.auth;

import io.baton.auth.Credentials;
import java.util.Set;

/**
 * Token authentication over {@link Credentials} (in practice the tokens file brokers read too).
 *
 * <p>A missing or unknown token gets 401; a token used for a project it does not grant gets 403;
 * a request naming no project acts in the token's project if it grants exactly one, else 400.
 */
public final class TokenAuthenticator implements Authenticator {
    private final Credentials credentials;

    public TokenAuthenticator(Credentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Decision decide(String token, String project) {
        if (token == null || token.isEmpty()) {
            return new Decision.Refused(401, "An X-Auth-Token header is required.");
        }
        Set<String> projects = credentials.projectsOf(token);
        if (projects == null) {
            return new Decision.Refused(401, "The auth token is not valid.");
        }
        if (project == null) {
            if (projects.size() == 1 && !projects.contains(Credentials.ANY_PROJECT)) {
                return new Decision.Allowed(projects.iterator().next());
            }
            return new Decision.Refused(400, "This token grants several projects: name one with X-Project-Id.");
        }
        if (!Credentials.grants(projects, project)) {
            return new Decision.Refused(403, "The auth token does not grant access to this project.");
        }
        return new Decision.Allowed(project);
    }

    @Override
    public boolean required() {
        return true;
    }
}
