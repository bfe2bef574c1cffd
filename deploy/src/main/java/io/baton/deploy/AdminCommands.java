package io.baton.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.sdk.Attempt;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import io.baton.sdk.Claim;
import io.baton.sdk.Message;
import io.baton.sdk.NewMessage;
import io.baton.sdk.QueueEntry;
import io.baton.sdk.QueueStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The admin verbs: each talks to a broker through {@link BatonClient} and prints JSON. */
final class AdminCommands {
    private AdminCommands() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static final class Target {
        @Option(names = "--target", defaultValue = "${env:BATON_TARGET:-127.0.0.1:7070}",
                description = "Broker gRPC address (default: the BATON_TARGET environment variable, else 127.0.0.1:7070).")
        String target;

        @Option(names = "--project", defaultValue = "${env:BATON_PROJECT:-default}",
                description = "Project (tenant) (default: the BATON_PROJECT environment variable, else default).")
        String project;

        @Mixin
        ClientOptions access;

        BatonClient client() {
            return access.applyTo(BatonClient.builder().target(target).project(project)).build();
        }
    }

    /** Runs {@code body}, printing its JSON; a Baton error is printed as JSON on stderr with exit code 1. */
    static int run(Target t, java.util.function.Function<BatonClient, JsonNode> body) throws Exception {
        try (BatonClient client = t.client()) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body.apply(client)));
            return 0;
        } catch (BatonException e) {
            ObjectNode err = JSON.createObjectNode().put("error", e.code().name()).put("message", e.getMessage());
            System.err.println(JSON.writeValueAsString(err));
            return 1;
        }
    }

    /** The JSON value in {@code text}, or the text itself as a string if it does not parse. */
    static JsonNode jsonOrText(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    static JsonNode message(Message m) {
        ObjectNode o = JSON.createObjectNode().put("id", m.id()).put("ttl", m.ttlSeconds()).put("age", m.ageSeconds());
        o.set("body", jsonOrText(m.bodyJson()));
        if (!m.claimId().isEmpty()) {
            o.put("claim_id", m.claimId());
        }
        return o;
    }

    @Command(name = "queue", description = "Create, list, delete queues and show their stats.",
            subcommands = {Queue.Create.class, Queue.ListQueues.class, Queue.DeleteQueue.class, Queue.Stats.class, Queue.Purge.class})
    static final class Queue {
        @Command(name = "create", description = "Create a queue.")
        static final class Create implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(paramLabel = "QUEUE") String queue;

            public Integer call() throws Exception {
                return run(t, c -> JSON.createObjectNode().put("queue", queue).put("created", c.createQueue(queue)));
            }
        }

        @Command(name = "list", description = "List queues in name order.")
        static final class ListQueues implements Callable<Integer> {
            @Mixin Target t;
            @Option(names = "--marker", description = "List names after this one.") String marker;
            @Option(names = "--limit", defaultValue = "20") int limit;
            @Option(names = "--detailed", description = "Include metadata.") boolean detailed;

            public Integer call() throws Exception {
                return run(t, c -> {
                    ArrayNode out = JSON.createArrayNode();
                    for (QueueEntry e : c.listQueues(marker, limit, detailed)) {
                        ObjectNode o = out.addObject().put("name", e.name());
                        if (e.metadataJson() != null) {
                            o.set("metadata", jsonOrText(e.metadataJson()));
                        }
                    }
                    return out;
                });
            }
        }

        @Command(name = "delete", description = "Delete a queue with its messages and claims.")
        static final class DeleteQueue implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(paramLabel = "QUEUE") String queue;

            public Integer call() throws Exception {
                return run(t, c -> JSON.createObjectNode().put("queue", queue).put("deleted", c.deleteQueue(queue)));
            }
        }

        @Command(name = "purge", description = {"Delete a queue's messages (claimed and delayed ones too), keeping the queue:",
                "those up to and including --up-to, else those there now (the newest message's id is read first, so",
                "messages posted meanwhile stay). Workers holding purged jobs have their acks refused."})
        static final class Purge implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(paramLabel = "QUEUE") String queue;
            @Option(names = "--up-to", paramLabel = "MESSAGE_ID", description = "The newest message to delete.") String upTo;

            public Integer call() throws Exception {
                return run(t, c -> {
                    String last = upTo;
                    if (last == null) {
                        QueueStats s = c.stats(queue);
                        if (s.newest() == null) {
                            return JSON.createObjectNode().put("queue", queue).put("deleted", 0);
                        }
                        last = s.newest().id();
                    }
                    return JSON.createObjectNode().put("queue", queue).put("up_to", last).put("deleted", c.purge(queue, last));
                });
            }
        }

        @Command(name = "stats", description = "Show a queue's message counts.")
        static final class Stats implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(paramLabel = "QUEUE") String queue;

            public Integer call() throws Exception {
                return run(t, c -> {
                    QueueStats s = c.stats(queue);
                    ObjectNode o = JSON.createObjectNode().put("claimed", s.claimed()).put("free", s.free()).put("total", s.total())
                            .put("delayed", s.delayed());
                    if (s.oldest() != null) {
                        o.putObject("oldest").put("id", s.oldest().id()).put("age", s.oldest().ageSeconds())
                                .put("created", s.oldest().createdAt().toString());
                        o.putObject("newest").put("id", s.newest().id()).put("age", s.newest().ageSeconds())
                                .put("created", s.newest().createdAt().toString());
                    }
                    return o;
                });
            }
        }
    }

    @Command(name = "message", description = "Inspect messages.", subcommands = {MessageCommands.Show.class})
    static final class MessageCommands {
        @Command(name = "show", description = {"Show a message with its attempts: how many claims it received and how each ended",
                "(acked, released with the worker's error, lease_expired_after_extensions, lease_expired_silent,",
                "stream_closed, slot_moved, message_expired; the latest ten ended attempts are kept in full)."})
        static final class Show implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(index = "0", paramLabel = "QUEUE") String queue;
            @Parameters(index = "1", paramLabel = "MESSAGE_ID") String id;

            public Integer call() throws Exception {
                return run(t, c -> withLedger(c.getMessage(queue, id)));
            }
        }
    }

    @Command(name = "dlq", description = "Dead-letter queues.", subcommands = {DeadLetters.Redrive.class})
    static final class DeadLetters {
        @Command(name = "redrive", description = {"Send dead-lettered messages back to the queues they came from, with their",
                "attempt ledgers (each arrives once; their claims count afresh there): those of --ids, or all, at --rate."})
        static final class Redrive implements Callable<Integer> {
            @Mixin Target t;
            @Parameters(paramLabel = "DEAD_LETTER_QUEUE") String queue;
            @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Only these messages.") List<String> ids;
            @Option(names = "--rate", defaultValue = "100", paramLabel = "PER_SECOND",
                    description = "Most messages sent back a second (default: ${DEFAULT-VALUE}).") double rate;

            public Integer call() throws Exception {
                if (!(rate > 0)) {
                    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--rate must be positive");
                }
                return run(t, c -> {
                    io.baton.sdk.RedriveResult r;
                    if (ids == null || ids.isEmpty()) {
                        r = c.redriveAll(queue, rate);
                    } else {
                        int redriven = 0;
                        int notMoved = 0;
                        for (int from = 0; from < ids.size(); from += BatonClient.REDRIVE_BATCH_MAX) {
                            io.baton.sdk.RedriveResult part = c.redrive(queue,
                                    ids.subList(from, Math.min(ids.size(), from + BatonClient.REDRIVE_BATCH_MAX)),
                                    BatonClient.REDRIVE_BATCH_MAX);
                            redriven += part.redriven();
                            notMoved += part.notMoved();
                        }
                        r = new io.baton.sdk.RedriveResult(redriven, notMoved);
                    }
                    return JSON.createObjectNode().put("queue", queue).put("redriven", r.redriven()).put("not_moved", r.notMoved());
                });
            }
        }
    }

    /** A message with its attempt count and ledger. */
    static JsonNode withLedger(Message m) {
        ObjectNode o = (ObjectNode) message(m);
        o.put("created", m.createdAt().toString()).put("attempts", m.attempts());
        ArrayNode ledger = o.putArray("ledger");
        for (Attempt a : m.ledger()) {
            ObjectNode e = ledger.addObject().put("attempt", a.number()).put("claim_id", a.claimId())
                    .put("started", a.startedAt().toString());
            if (a.endedAt() != null) {
                e.put("ended", a.endedAt().toString());
            }
            e.put("outcome", a.outcome().code());
            if (a.errorClass() != null) {
                e.put("error_class", a.errorClass());
            }
            if (a.errorMessage() != null) {
                e.put("error_message", a.errorMessage());
            }
        }
        return o;
    }

    @Command(name = "post", description = "Post messages (each BODY is one JSON value) to a queue.")
    static final class Post implements Callable<Integer> {
        @Mixin Target t;
        @Option(names = "--ttl", defaultValue = "300", description = "Message TTL in seconds (default: ${DEFAULT-VALUE}).") long ttl;
        @Option(names = "--delay", paramLabel = "SECONDS", description = "Seconds before the messages may be claimed"
                + " (0 to the TTL; default: the queue's _default_message_delay, if set).") Long delay;
        @Parameters(index = "0", paramLabel = "QUEUE") String queue;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "BODY") List<String> bodies;

        public Integer call() throws Exception {
            if (delay != null && delay < 0) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--delay may not be negative");
            }
            List<NewMessage> messages = new ArrayList<>();
            bodies.forEach(b -> messages.add(new NewMessage(ttl, b, delay == null ? NewMessage.QUEUE_DELAY : delay)));
            return run(t, c -> {
                ArrayNode ids = JSON.createArrayNode();
                c.publish(queue, messages).ids().forEach(ids::add);
                return JSON.createObjectNode().set("ids", ids);
            });
        }
    }

    @Command(name = "claim", description = "Claim up to --limit free messages.")
    static final class ClaimMessages implements Callable<Integer> {
        @Mixin Target t;
        @Parameters(paramLabel = "QUEUE") String queue;
        @Option(names = "--limit", defaultValue = "10") int limit;
        @Option(names = "--ttl", defaultValue = "60", description = "Claim TTL in seconds (default: ${DEFAULT-VALUE}).") long ttl;
        @Option(names = "--grace", defaultValue = "60", description = "Grace in seconds (default: ${DEFAULT-VALUE}).") long grace;

        public Integer call() throws Exception {
            return run(t, c -> {
                Claim claim = c.claim(queue, limit, ttl, grace);
                ArrayNode messages = JSON.createArrayNode();
                claim.messages().forEach(m -> messages.add(message(m)));
                ObjectNode o = JSON.createObjectNode().put("claim_id", claim.id());
                o.set("messages", messages);
                return o;
            });
        }
    }

    @Command(name = "delete", description = "Delete (acknowledge) a message, with its claim id if it is claimed.")
    static final class Delete implements Callable<Integer> {
        @Mixin Target t;
        @Parameters(index = "0", paramLabel = "QUEUE") String queue;
        @Parameters(index = "1", paramLabel = "MESSAGE_ID") String id;
        @Option(names = "--claim", description = "The claim holding the message.") String claim;

        public Integer call() throws Exception {
            return run(t, c -> JSON.createObjectNode().put("id", id).put("deleted", c.deleteMessage(queue, id, claim)));
        }
    }
}
