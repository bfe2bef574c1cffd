package io.baton.gateway.v1;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.baton.sdk.Message;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Response bodies, written with Jackson's streaming generator straight to bytes. */
final class Json {
    private Json() {}

    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(Writer w) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256); JsonGenerator g = Bodies.JSON.createGenerator(out)) {
            w.write(g);
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] error(String title, String description) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("title", title);
            g.writeStringField("description", description);
            g.writeEndObject();
        });
    }

    /**
     * A v1 message object: exactly {@code href}, {@code ttl}, {@code age}, {@code body} (the v1
     * schema forbids more). The body is written as the JSON the producer posted.
     */
    static void message(JsonGenerator g, String queue, Message m, String claimId) throws IOException {
        g.writeStartObject();
        g.writeStringField("href", Hrefs.message(queue, m.id(), claimId));
        g.writeNumberField("ttl", m.ttlSeconds());
        g.writeNumberField("age", Math.max(0, m.ageSeconds()));
        g.writeFieldName("body");
        g.writeRawValue(m.bodyJson());
        g.writeEndObject();
    }
}
