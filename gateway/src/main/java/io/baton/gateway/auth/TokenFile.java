package io.baton.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.WatchedFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens from a JSON file, each granting one or more projects:
 *
 * <pre>{@code
 * {"tokens": {"s3cr3t-a": ["project-a"], "ops-token": ["project-a", "project-b"]}}
 * }</pre>
 *
 * <p>A missing or unknown token gets 401; a token used for a project it does not grant gets 403;
 * a request naming no project acts in the token's project if it grants exactly one, else 400.
 *
 * <p>The file is re-read when its modification time changes ({@link WatchedFile}), so tokens can
 * be rotated without a restart; a file that no longer parses keeps the previous tokens and logs
 * why. Tokens are compared in constant time.
 */
public final class TokenFile implements Authenticator {
    private static final Logger log = LoggerFactory.getLogger(TokenFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WatchedFile<Map<String, Set<String>>> grants;

    private TokenFile(WatchedFile<Map<String, Set<String>>> grants) {
        this.grants = grants;
    }

    /** Loads the file; fails if it is missing or malformed (a gateway must not start open by mistake). */
    public static TokenFile load(Path file) {
        return new TokenFile(WatchedFile.load(file, TokenFile::parse, new WatchedFile.Listener<>() {
            @Override
            public void reloaded(Path f, Map<String, Set<String>> tokens) {
                log.info("reloaded {} tokens from {}", tokens.size(), f);
            }

            @Override
            public void failed(Path f, IOException e) {
                log.warn("keeping the previous tokens: cannot reload {}: {}", f, e.getMessage());
            }
        }));
    }

    static Map<String, Set<String>> parse(byte[] bytes) throws IOException {
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject() || !root.path("tokens").isObject()) {
            throw new IOException("tokens file must be {\"tokens\": {\"<token>\": [\"<project>\", ...]}}");
        }
        Map<String, Set<String>> out = new HashMap<>();
        var fields = root.get("tokens").fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (e.getKey().isEmpty() || !e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new IOException("token entries need a non-empty token and a non-empty array of projects");
            }
            Set<String> projects = new LinkedHashSet<>();
            for (JsonNode p : e.getValue()) {
                if (!p.isTextual() || p.asText().isEmpty() || p.asText().length() > 256) {
                    throw new IOException("projects must be strings of 1-256 characters");
                }
                projects.add(p.asText());
            }
            out.put(e.getKey(), Set.copyOf(projects));
        }
        return Map.copyOf(out);
    }

    private Set<String> projectsOf(String token) {
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        Set<String> found = null;
        for (Map.Entry<String, Set<String>> e : grants.get().entrySet()) {
            // Every entry is compared, in constant time, so timing does not reveal a prefix.
            if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return found;
    }

    @Override
    public Decision decide(String token, String project) {
        if (token == null || token.isEmpty()) {
            return new Decision.Refused(401, "An X-Auth-Token header is required.");
        }
        Set<String> projects = projectsOf(token);
        if (projects == null) {
            return new Decision.Refused(401, "The auth token is not valid.");
        }
        if (project == null) {
            if (projects.size() == 1) {
                return new Decision.Allowed(projects.iterator().next());
            }
            return new Decision.Refused(400, "This token grants several projects: name one with X-Project-Id.");
        }
        if (!projects.contains(project)) {
            return new Decision.Refused(403, "The auth token does not grant access to this project.");
        }
        return new Decision.Allowed(project);
    }

    @Override
    public boolean required() {
        return true;
    }
}
