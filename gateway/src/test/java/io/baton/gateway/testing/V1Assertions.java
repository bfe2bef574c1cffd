package io.baton.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** Assertions on v1 responses. */
public final class V1Assertions {
    private V1Assertions() {}

    /** The status, and the v1 JSON error body: a {@code title} (the given one, if not null) and a description. */
    public static JsonNode assertError(V1Client.Resp r, int status, String title) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("content type of %s", r).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.path("title").isTextual()).as("title in %s", r).isTrue();
        assertThat(body.path("description").isTextual()).as("description in %s", r).isTrue();
        if (title != null) {
            assertThat(body.path("title").asText()).as("title of %s", r).isEqualTo(title);
        }
        return body;
    }

    public static void assertNoContent(V1Client.Resp r) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    public static String queueName() {
        return "q-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 12);
    }
}
