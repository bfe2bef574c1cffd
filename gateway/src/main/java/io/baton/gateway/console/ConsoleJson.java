package io.baton.gateway.console;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.baton.api.ErrorCode;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console endpoints' JSON: bodies, and errors in the v1 shape ({@code title}, {@code description}). */
final class ConsoleJson {
    private static final Logger log = LoggerFactory.getLogger(ConsoleJson.class);
    private static final JsonFactory JSON = new JsonFactory();

    private ConsoleJson() {}

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static Reply ok(Body body) {
        return Reply.json(200, write(body)).withHeader("Cache-Control", "no-store");
    }

    static Reply error(int status, String title, String description) {
        return Reply.json(status, write(g -> {
            g.writeStartObject();
            g.writeStringField("title", title);
            g.writeStringField("description", description);
            g.writeEndObject();
        }));
    }

    /** A refused request: thrown anywhere in an endpoint, answered with its status. */
    static final class Refusal extends RuntimeException {
        final Reply reply;

        Refusal(int status, String title, String description) {
            super(description, null, false, false);
            this.reply = error(status, title, description);
        }
    }

    /** The reply for a failed broker call or a refusal, in the error catalogue's terms; never exception text for a bug. */
    static Reply failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof Refusal r) {
            return r.reply;
        }
        if (e instanceof BatonException b) {
            ErrorCode code = b.code();
            if (code.next() == ErrorCode.NextStep.RETRY || code.next() == ErrorCode.NextStep.REDIRECT) {
                return error(503, code.httpTitle(), "The broker could not answer now; the page retries.").withHeader("Retry-After", "1");
            }
            if (code == ErrorCode.INTERNAL) {
                log.error("broker reported an internal error to the console", b);
            }
            return error(code.httpStatus(), code.httpTitle(), b.getMessage());
        }
        log.error("bug answering a console request", e);
        return error(500, "Internal server error", "An unexpected error occurred; it has been logged.");
    }

    private static byte[] write(Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256); JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
