package io.baton.broker.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.api.ByteSizes;
import io.baton.api.WatchedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Project quotas from a JSON file:
 *
 * <pre>{@code
 * {
 *   "default":  {"messages": 1000000, "bytes": "1g"},
 *   "projects": {
 *     "acme":     {"messages": 20000000, "bytes": "16g"},
 *     "internal": {}
 *   }
 * }
 * }</pre>
 *
 * <p>A project listed under {@code projects} has exactly the limits written there (a missing key
 * is no limit, so {@code {}} exempts it); every other project has the {@code default} limits (none
 * if absent). Sizes are bytes or take a unit (512k, 256m, 4g).
 *
 * <p>The file is re-read when its modification time changes (checked at most once a second), so
 * quotas change without a restart. A file that stops parsing keeps the quotas last read and says
 * why in the log, at every change of the file; a broker does not start on a file it cannot read.
 */
public final class QuotaFile implements Supplier<QuotaPolicy> {
    private static final Logger log = LoggerFactory.getLogger(QuotaFile.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WatchedFile<QuotaPolicy> file;

    private QuotaFile(WatchedFile<QuotaPolicy> file) {
        this.file = file;
    }

    /** Reads the file; fails if it is missing or malformed. */
    public static QuotaFile load(Path file) {
        try {
            return new QuotaFile(WatchedFile.load(file, QuotaFile::parse, new WatchedFile.Listener<>() {
                @Override
                public void reloaded(Path f, QuotaPolicy policy) {
                    log.info("reloaded project quotas from {}: default {}, {} projects listed", f, policy.defaults(),
                            policy.projects().size());
                }

                @Override
                public void failed(Path f, IOException e) {
                    log.error("keeping the project quotas read before: cannot read {}: {}", f, e.getMessage());
                }
            }));
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot read project quotas file " + file + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    static QuotaPolicy parse(byte[] bytes) throws IOException {
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IOException("a quotas file is {\"default\": {...}, \"projects\": {\"<project>\": {...}}}");
        }
        for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("default") && !key.equals("projects")) {
                throw new IOException("unknown key \"" + key + "\" (expected \"default\" and \"projects\")");
            }
        }
        Quota defaults = root.has("default") ? quota("default", root.get("default")) : Quota.UNLIMITED;
        Map<String, Quota> projects = new HashMap<>();
        JsonNode listed = root.path("projects");
        if (!listed.isMissingNode() && !listed.isObject()) {
            throw new IOException("\"projects\" must be an object of project names");
        }
        for (Iterator<Map.Entry<String, JsonNode>> e = listed.fields(); e.hasNext(); ) {
            Map.Entry<String, JsonNode> p = e.next();
            if (p.getKey().isEmpty() || p.getKey().length() > 256) {
                throw new IOException("project names have 1-256 characters");
            }
            projects.put(p.getKey(), quota("project " + p.getKey(), p.getValue()));
        }
        return new QuotaPolicy(defaults, projects);
    }

    private static Quota quota(String what, JsonNode node) throws IOException {
        if (!node.isObject()) {
            throw new IOException(what + ": a quota is {\"messages\": N, \"bytes\": \"4g\"}");
        }
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("messages") && !key.equals("bytes")) {
                throw new IOException(what + ": unknown key \"" + key + "\" (expected \"messages\" and \"bytes\")");
            }
        }
        return new Quota(limit(what, "messages", node.get("messages"), false), limit(what, "bytes", node.get("bytes"), true));
    }

    private static long limit(String what, String key, JsonNode value, boolean size) throws IOException {
        if (value == null || value.isNull()) {
            return Long.MAX_VALUE;
        }
        long n;
        if (value.canConvertToExactIntegral() && value.canConvertToLong()) {
            n = value.asLong();
        } else if (size && value.isTextual()) {
            try {
                n = ByteSizes.parse(value.asText());
            } catch (IllegalArgumentException e) {
                throw new IOException(what + ": " + key + ": " + e.getMessage());
            }
        } else {
            throw new IOException(what + ": " + key + " must be a whole number" + (size ? " or a size such as \"4g\"" : ""));
        }
        if (n < 1) {
            throw new IOException(what + ": " + key + " must be at least 1 (leave it out for no limit)");
        }
        return n;
    }

    @Override
    public QuotaPolicy get() {
        return file.get();
    }
}
