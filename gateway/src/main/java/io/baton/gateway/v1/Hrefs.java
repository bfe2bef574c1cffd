package io.baton.gateway.v1;

import java.util.List;

/**
 * Server-relative links in the canonical {@code /v1/queues/...} form (spec 1.1), whichever form
 * the request used. Queue names and ids are URL-safe by construction, so nothing needs encoding.
 */
final class Hrefs {
    private Hrefs() {}

    static String queue(String queue) {
        return "/v1/queues/" + queue;
    }

    /** A message href; with a claim id, {@code claim_id} is the last query parameter (pyrax splits on it). */
    static String message(String queue, String id, String claimId) {
        String base = "/v1/queues/" + queue + "/messages/" + id;
        return claimId == null || claimId.isEmpty() ? base : base + "?claim_id=" + claimId;
    }

    static String messages(String queue) {
        return "/v1/queues/" + queue + "/messages";
    }

    static String messagesByIds(String queue, List<String> ids) {
        return messages(queue) + "?ids=" + String.join(",", ids);
    }

    static String claim(String queue, String claimId) {
        return "/v1/queues/" + queue + "/claims/" + claimId;
    }
}
