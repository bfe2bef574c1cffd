package io.baton.gateway.v1;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * The {@code next} link of a v1 listing: the listing's path with the marker of the page's last
 * entry, and each listing option the request gave, as the gateway read it. Following the link
 * lists the same way (spec: the link carries the request's own options); options the request
 * left out stay out, so their defaults keep applying.
 */
final class NextPage {
    private final StringBuilder href;
    private final Params given;

    NextPage(String path, String marker, Params given) {
        this.href = new StringBuilder(path).append("?marker=").append(marker);
        this.given = given;
    }

    /** Adds {@code name=value} when the request gave {@code name}. */
    NextPage option(String name, Object value) {
        if (given.has(name)) {
            href.append('&').append(name).append('=').append(value);
        }
        return this;
    }

    String href() {
        return href.toString();
    }

    /** Writes {@code "links": [{"rel": "next", "href": ...}]} into the listing's object. */
    void writeTo(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("links");
        g.writeStartObject();
        g.writeStringField("rel", "next");
        g.writeStringField("href", href());
        g.writeEndObject();
        g.writeEndArray();
    }
}
