package io.baton.gateway.testing;

import java.util.UUID;

/** A queue of its own in a project of its own, and a client of that project: what most tests start from. */
public record FreshQueue(V1Client client, String base) {
    /** Creates the queue (the PUT's answer is not checked: tests of queue creation do that). */
    public static FreshQueue in(Standalone s) {
        V1Client c = s.client("p-" + UUID.randomUUID());
        String base = "/v1/queues/" + V1Assertions.queueName();
        c.put(base, null);
        return new FreshQueue(c, base);
    }
}
