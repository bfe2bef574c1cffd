package io.baton.gateway.v1;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.baton.api.Limits;
import io.baton.sdk.NewMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Request bodies, read with Jackson's streaming parser in the spec's order (1.7): first the whole
 * document's syntax and its integers (none may exceed 64 bits), then its shape and field types,
 * then value ranges. Message bodies are kept as the exact bytes the client sent (sliced by parser
 * offsets), so numbers keep every digit and nothing is re-encoded.
 */
final class Bodies {
    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build())
            .build();

    private Bodies() {}

    /** A claim's lease: {@code ttl} and {@code grace} in seconds. */
    record Lease(long ttl, long grace) {}

    /** Pass 1: the document parses, is one value, and has no integer beyond 64 bits. */
    private static void checkSyntax(byte[] body) {
        if (body.length == 0) {
            throw V1Error.body("The request body is empty; a JSON document is required.");
        }
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw V1Error.body("The request body is empty; a JSON document is required.");
            }
            scanValue(p, t);
            if (p.nextToken() != null) {
                throw V1Error.body("The request body holds more than one JSON document.");
            }
        } catch (IOException e) {
            throw V1Error.body("The request body could not be parsed as JSON.");
        }
    }

    /**
     * POST messages: an array of 1–20 {@code {"ttl": int, "body": any}} objects, each with an optional
     * {@code "delay": int} (seconds, up to its TTL; from the v2 API). The hot path of
     * the REST API, so the document is read once: the structure pass checks the syntax rules of
     * {@link #checkSyntax} as it goes ({@link #scanValue}). Only when it finds a problem does
     * {@link #checkSyntax} read the whole document, so that a syntax error anywhere is reported
     * before a problem of shape or range, exactly as the two passes in order did.
     */
    static List<NewMessage> messages(byte[] body) {
        try {
            return readMessages(body);
        } catch (V1Error | IOException e) {
            checkSyntax(body);
            if (e instanceof V1Error v) {
                throw v;
            }
            throw V1Error.body("The request body could not be parsed as JSON.");
        }
    }

    private static List<NewMessage> readMessages(byte[] body) throws IOException {
        if (body.length == 0) {
            throw V1Error.body("The request body is empty; a JSON document is required.");
        }
        List<NewMessage> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw V1Error.body("Messages must be posted as a JSON array.");
            }
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.START_OBJECT) {
                    throw V1Error.body("Each message must be a JSON object.");
                }
                Long ttl = null;
                Long delay = null;
                String messageBody = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (field.equals("ttl")) {
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            throw V1Error.body("Message ttl must be an integer.");
                        }
                        ttl = p.getLongValue(); // beyond 64 bits: an IOException, reported by checkSyntax
                    } else if (field.equals("delay")) {
                        // Not in v1 (its clients never send it): the v2 API's delay before the message may be claimed.
                        if (v != JsonToken.VALUE_NUMBER_INT) {
                            throw V1Error.body("Message delay must be an integer.");
                        }
                        delay = p.getLongValue();
                    } else if (field.equals("body")) {
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        scanValue(p, v);
                        int end = (int) p.currentLocation().getByteOffset();
                        messageBody = new String(body, start, end - start, StandardCharsets.UTF_8);
                    } else {
                        scanValue(p, v);
                    }
                }
                if (ttl == null) {
                    throw V1Error.body("Missing \"ttl\" field in message " + out.size() + ".");
                }
                if (messageBody == null) {
                    throw V1Error.body("Missing \"body\" field in message " + out.size() + ".");
                }
                if (delay != null && (delay < 0 || delay > ttl)) {
                    throw V1Error.invalid("The delay of message " + out.size() + " must be between 0 and its TTL ("
                            + ttl + " seconds).");
                }
                out.add(new NewMessage(ttl, messageBody, delay == null ? NewMessage.QUEUE_DELAY : delay));
            }
            if (p.nextToken() != null) {
                throw V1Error.body("The request body holds more than one JSON document.");
            }
        }
        if (out.isEmpty()) {
            throw V1Error.invalid("No messages to enqueue.");
        }
        if (out.size() > Limits.MESSAGES_PER_POST_MAX) {
            throw V1Error.invalid("No more than " + Limits.MESSAGES_PER_POST_MAX + " messages may be posted at once.");
        }
        for (NewMessage m : out) {
            if (m.ttlSeconds() < Limits.MESSAGE_TTL_MIN_SECONDS || m.ttlSeconds() > Limits.MESSAGE_TTL_MAX_SECONDS) {
                throw V1Error.invalid("The TTL for a message may not exceed " + Limits.MESSAGE_TTL_MAX_SECONDS
                        + " seconds, and must be at least " + Limits.MESSAGE_TTL_MIN_SECONDS + " seconds long.");
            }
        }
        return out;
    }

    /**
     * Reads past the value that starts at {@code first} (the current token), with
     * {@link #checkSyntax}'s checks: strings decoded (invalid UTF-8 fails), integers within 64 bits.
     */
    private static void scanValue(JsonParser p, JsonToken first) throws IOException {
        int depth = 0;
        JsonToken t = first;
        while (true) {
            if (t == JsonToken.VALUE_STRING) {
                p.finishToken();
            } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw V1Error.body("Integers must fit in 64 bits.");
            } else if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                return;
            }
            t = p.nextToken();
            if (t == null) {
                throw V1Error.body("The request body could not be parsed as JSON.");
            }
        }
    }

    /** Claim create ({@code graceRequired}: both fields, grace 60–43,200) or renew (grace optional, 0–43,200). */
    static Lease lease(byte[] body, boolean graceRequired) {
        checkSyntax(body);
        Long ttl = null;
        Long grace = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw V1Error.body("The claim must be a JSON object.");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("ttl") || field.equals("grace")) {
                    if (v != JsonToken.VALUE_NUMBER_INT) {
                        throw V1Error.body("Claim " + field + " must be an integer.");
                    }
                    if (field.equals("ttl")) {
                        ttl = p.getLongValue();
                    } else {
                        grace = p.getLongValue();
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw V1Error.body("The request body could not be parsed as JSON.");
        }
        if (ttl == null) {
            throw V1Error.body("Missing \"ttl\" field.");
        }
        if (grace == null && graceRequired) {
            throw V1Error.body("Missing \"grace\" field.");
        }
        if (ttl < Limits.CLAIM_TTL_MIN_SECONDS || ttl > Limits.CLAIM_TTL_MAX_SECONDS) {
            throw V1Error.invalid("The TTL for a claim may not exceed " + Limits.CLAIM_TTL_MAX_SECONDS
                    + " seconds, and must be at least " + Limits.CLAIM_TTL_MIN_SECONDS + " seconds long.");
        }
        long g = grace == null ? 0 : grace;
        long graceMin = graceRequired ? Limits.CLAIM_GRACE_MIN_SECONDS : Limits.CLAIM_RENEW_GRACE_MIN_SECONDS;
        if (g < graceMin || g > Limits.CLAIM_GRACE_MAX_SECONDS) {
            throw V1Error.invalid("The grace for a claim may not exceed " + Limits.CLAIM_GRACE_MAX_SECONDS
                    + " seconds, and must be at least " + graceMin + " seconds long.");
        }
        return new Lease(ttl, g);
    }

    /** Queue metadata: any JSON object whose top-level keys do not start with '_' (queue policies aside); returned as sent. */
    static String metadata(byte[] body) {
        checkSyntax(body);
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw V1Error.body("Queue metadata must be a JSON object.");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (!io.baton.api.QueuePolicyKeys.allowed(p.currentName())) {
                    // v1 reserves these keys; the queue policies Baton implements (v2's names) may be set.
                    throw V1Error.invalid(io.baton.api.QueuePolicyKeys.refusal(p.currentName()));
                }
                p.nextToken();
                p.skipChildren();
            }
        } catch (IOException e) {
            throw V1Error.body("The request body could not be parsed as JSON.");
        }
        return new String(body, StandardCharsets.UTF_8);
    }
}
