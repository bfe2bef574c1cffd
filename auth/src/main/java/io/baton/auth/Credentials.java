package io.baton.auth;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The projects each token grants. {@link #ANY_PROJECT} grants every project: the service identity
 * a gateway uses to call brokers for users it has already checked, and brokers use to call each
 * other. Threads: any.
 */
@FunctionalInterface
public interface Credentials {
    /** A grant of every project (no project id can be {@code *}). */
    String ANY_PROJECT = "*";

    /** The projects {@code token} grants, or null if it is not a known token. */
    Set<String> projectsOf(String token);

    /** Whether {@code projects} (a token's grant) covers {@code project}. */
    static boolean grants(Set<String> projects, String project) {
        return projects.contains(ANY_PROJECT) || projects.contains(project);
    }

    /** One token granting {@code projects}; compared in constant time. */
    static Credentials fixed(String token, Set<String> projects) {
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        Set<String> granted = Set.copyOf(projects);
        return given -> given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8)) ? granted : null;
    }

    /** The grant of {@code first}, or else of {@code second}. */
    static Credentials either(Credentials first, Credentials second) {
        return token -> {
            Set<String> p = first.projectsOf(token);
            return p != null ? p : second.projectsOf(token);
        };
    }
}
