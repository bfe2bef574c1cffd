package io.baton.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The contents of a tokens file:
 *
 * <pre>{@code
 * {"tokens": {"a-long-random-token-for-a": ["project-a"], "ops-token-0123456789": ["project-a", "project-b"],
 *             "service-token-0123456789": ["*"]}}
 * }</pre>
 *
 * <p>Tokens are at least {@value #MIN_TOKEN_LENGTH} characters: a shorter one is refused when the
 * file is read, rather than accepted as a guessable credential. Lookups compare every token in
 * constant time, so timing reveals no prefix.
 */
public record TokenGrants(List<Map.Entry<byte[], Set<String>>> entries) implements Credentials {
    public static final int MIN_TOKEN_LENGTH = 16;
    /** No token at all: every call is refused. */
    public static final TokenGrants NONE = new TokenGrants(List.of());
    private static final ObjectMapper JSON = new ObjectMapper();

    public TokenGrants {
        entries = List.copyOf(entries);
    }

    @Override
    public Set<String> projectsOf(String token) {
        if (token == null) {
            return null;
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        Set<String> found = null;
        for (Map.Entry<byte[], Set<String>> e : entries) {
            if (MessageDigest.isEqual(given, e.getKey())) {
                found = e.getValue();
            }
        }
        return found;
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A fresh token: 192 random bits, as 48 hex digits. */
    public static String newToken() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    public int size() {
        return entries.size();
    }

    /** Parses a tokens file; throws, naming the mistake, for one that is not valid. */
    public static TokenGrants parse(byte[] bytes) throws IOException {
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject() || !root.path("tokens").isObject()) {
            throw new IOException("tokens file must be {\"tokens\": {\"<token>\": [\"<project>\", ...]}}");
        }
        List<Map.Entry<byte[], Set<String>>> out = new java.util.ArrayList<>();
        var fields = root.get("tokens").fields();
        int n = 0;
        while (fields.hasNext()) {
            var e = fields.next();
            n++;
            if (e.getKey().length() < MIN_TOKEN_LENGTH) {
                // The token itself is never logged: say which entry it is.
                throw new IOException("token " + n + " of the file is shorter than " + MIN_TOKEN_LENGTH + " characters");
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new IOException("token " + n + " of the file needs a non-empty array of projects");
            }
            Set<String> projects = new LinkedHashSet<>();
            for (JsonNode p : e.getValue()) {
                if (!p.isTextual() || p.asText().isEmpty() || p.asText().length() > 256) {
                    throw new IOException("projects must be strings of 1-256 characters (token " + n + ")");
                }
                projects.add(p.asText());
            }
            out.add(Map.entry(e.getKey().getBytes(StandardCharsets.UTF_8), Set.copyOf(projects)));
        }
        return new TokenGrants(out);
    }
}
