package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.baton.sdk.NewMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * POST bodies are read in one pass; these pin that it still reports what the spec's order (1.7)
 * asks for: a syntax error anywhere before a shape error, a shape error before a range error.
 */
class BodiesTest {
    private static List<NewMessage> post(String json) {
        return Bodies.messages(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(String json, String title, String description) {
        refused(json.getBytes(StandardCharsets.UTF_8), title, description);
    }

    private static void refused(byte[] body, String title, String description) {
        assertThatThrownBy(() -> Bodies.messages(body)).isInstanceOfSatisfying(V1Error.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.title()).isEqualTo(title);
            assertThat(e.description()).isEqualTo(description);
        });
    }

    @Test
    void eachBodyIsKeptAsTheExactTextSentWhateverItsType() {
        List<NewMessage> batch = post("[{\"ttl\": 60, \"body\": {\"n\": 1.50000000000000000001, \"a\": [1, \"x\", null]}},"
                + " {\"body\": \"caf\u00e9\", \"other\": {\"k\": [true]}, \"ttl\": 300}, {\"ttl\": 61, \"body\": 9223372036854775807}]");
        assertThat(batch).containsExactly(
                new NewMessage(60, "{\"n\": 1.50000000000000000001, \"a\": [1, \"x\", null]}"),
                new NewMessage(300, "\"caf\u00e9\""),
                new NewMessage(61, "9223372036854775807"));
    }

    @Test
    void aSyntaxErrorLaterInTheDocumentIsReportedBeforeAnEarlierShapeError() {
        refused("[1, {\"ttl\": 60, \"body\": ]", V1Error.INVALID_BODY, "The request body could not be parsed as JSON.");
        refused("{\"not\": \"an array\"} {", V1Error.INVALID_BODY, "The request body holds more than one JSON document.");
    }

    @Test
    void anIntegerBeyond64BitsIsASyntaxErrorInABodyAndInATtl() {
        refused("[{\"ttl\": 60, \"body\": {\"n\": [123456789012345678901234567890]}}]", V1Error.INVALID_BODY,
                "Integers must fit in 64 bits.");
        refused("[{\"ttl\": 123456789012345678901234567890, \"body\": 1}]", V1Error.INVALID_BODY, "Integers must fit in 64 bits.");
        refused("[\"shape error first\", {\"ttl\": 60, \"body\": 123456789012345678901234567890}]", V1Error.INVALID_BODY,
                "Integers must fit in 64 bits.");
    }

    @Test
    void invalidUtf8InsideABodyStringIsASyntaxError() {
        byte[] head = "[{\"ttl\": 60, \"body\": {\"s\": \"ab".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}}]".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3; // a lead byte followed by '"': not UTF-8
        System.arraycopy(tail, 0, body, head.length + 1, tail.length);
        refused(body, V1Error.INVALID_BODY, "The request body could not be parsed as JSON.");
    }

    @Test
    void aSecondDocumentAfterTheArrayIsRefused() {
        refused("[{\"ttl\": 60, \"body\": 1}] []", V1Error.INVALID_BODY, "The request body holds more than one JSON document.");
    }

    @Test
    void withValidSyntaxShapeErrorsComeBeforeRangeErrors() {
        refused("[{\"ttl\": 1, \"body\": 1}, 2]", V1Error.INVALID_BODY, "Each message must be a JSON object.");
        refused("[{\"ttl\": 1, \"body\": 1}, {\"body\": 2}]", V1Error.INVALID_BODY, "Missing \"ttl\" field in message 1.");
        refused("[{\"ttl\": \"60\", \"body\": 1}]", V1Error.INVALID_BODY, "Message ttl must be an integer.");
        refused("[{\"ttl\": 1, \"body\": 1}]", V1Error.INVALID_API_REQUEST,
                "The TTL for a message may not exceed 1209600 seconds, and must be at least 60 seconds long.");
        refused("[]", V1Error.INVALID_API_REQUEST, "No messages to enqueue.");
        refused("", V1Error.INVALID_BODY, "The request body is empty; a JSON document is required.");
    }
}
