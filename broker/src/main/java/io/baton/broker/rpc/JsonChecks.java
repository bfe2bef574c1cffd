package io.baton.broker.rpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;

/**
 * Well-formedness of message bodies and queue metadata, checked by streaming through the tokens
 * (nothing is built in memory). Rules of spec 1.7: one JSON value, no trailing content, integers
 * within 64 bits; metadata must be an object whose top-level keys do not start with '_'.
 */
final class JsonChecks {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonChecks() {}

    /** Null when {@code json} is one valid JSON value, else why not. */
    static String checkValue(byte[] json) {
        return check(json, false);
    }

    /** Null when {@code json} is a JSON object fit to be queue metadata, else why not. */
    static String checkMetadata(byte[] json) {
        return check(json, true);
    }

    private static String check(byte[] json, boolean metadata) {
        if (json == null || json.length == 0) {
            return metadata ? "Metadata must be a JSON object." : "Message bodies must be JSON values.";
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return "The body is empty.";
            }
            if (metadata && first != JsonToken.START_OBJECT) {
                return "Metadata must be a JSON object.";
            }
            int depth = 0;
            JsonToken t = first;
            while (t != null) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> {
                        if (metadata && depth == 1 && !io.baton.api.QueuePolicyKeys.allowed(p.currentName())) {
                            return io.baton.api.QueuePolicyKeys.refusal(p.currentName());
                        }
                    }
                    case VALUE_NUMBER_INT -> {
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            return "Integers must fit in 64 bits.";
                        }
                    }
                    default -> { }
                }
                if (depth == 0) {
                    break;
                }
                t = p.nextToken();
            }
            if (p.nextToken() != null) {
                return "Trailing content after the JSON value.";
            }
            return null;
        } catch (IOException e) {
            return "Malformed JSON.";
        }
    }
}
