package io.baton.gateway.console;

import io.baton.gateway.http.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The console's static files, read from the jar once at start: pages need no network at run time
 * and no build step beyond Maven's.
 */
final class ConsoleAssets {
    /**
     * Scripts, styles and connections from this origin only, no framing: a page that shows other
     * people's message bodies must not run anything those bodies carry.
     */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final Map<String, Reply> byPath;

    private ConsoleAssets(Map<String, Reply> byPath) {
        this.byPath = byPath;
    }

    static ConsoleAssets load() {
        Reply index = asset("index.html", "text/html; charset=utf-8");
        return new ConsoleAssets(Map.of(
                "/console", index,
                "/console/", index,
                "/console/console.js", asset("console.js", "text/javascript; charset=utf-8"),
                "/console/console.css", asset("console.css", "text/css; charset=utf-8")));
    }

    /** The file at {@code path} (no query), or null. */
    Reply get(String path) {
        return byPath.get(path);
    }

    private static Reply asset(String name, String type) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is missing from the gateway jar");
            }
            // no-cache: revalidated on each load, so an upgraded gateway never serves a page with the previous script.
            return new Reply(200, type, List.of(Map.entry("Cache-Control", "no-cache"),
                    Map.entry("Content-Security-Policy", POLICY), Map.entry("X-Content-Type-Options", "nosniff"),
                    Map.entry("Referrer-Policy", "no-referrer")), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
