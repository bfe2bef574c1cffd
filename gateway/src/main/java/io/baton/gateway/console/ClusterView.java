package io.baton.gateway.console;

import com.fasterxml.jackson.core.JsonGenerator;
import io.baton.api.v1.BrokerInfo;
import io.baton.api.v1.BrokerStatus;
import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.api.v1.SlotStatus;
import io.baton.api.v1.WorkStreamStatus;
import io.baton.gateway.http.Reply;
import io.baton.sdk.BatonClient;
import io.baton.sdk.BatonException;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code GET /console/api/overview} and {@code GET /console/api/workers}: the cluster map as every
 * broker in it reports itself (its slots' states, storage, ZooKeeper, totals for rates) and the
 * signed-in project's Work streams on each. One request fans out to all brokers at once; a broker
 * that does not answer within {@link #BROKER_TIMEOUT} is shown as unreachable, and its slots with
 * it, rather than holding up the page.
 */
final class ClusterView {
    static final Duration BROKER_TIMEOUT = Duration.ofSeconds(2);

    private final BatonClient client;

    ClusterView(BatonClient client) {
        this.client = client;
    }

    /** A broker of the map and what it said about itself: exactly one of status and error is set. */
    private record BrokerRead(BrokerInfo info, BrokerStatus status, String error) {}

    private record Snapshot(ClusterMap map, List<BrokerRead> brokers) {}

    private CompletableFuture<Snapshot> read(String project) {
        BatonClient c = client.withProject(project);
        return c.clusterMapAsync().thenCompose(map -> {
            List<CompletableFuture<BrokerRead>> reads = map.getBrokersList().stream()
                    .map(b -> c.brokerStatusAsync(b.getGrpcAddress(), BROKER_TIMEOUT)
                            .thenApply(s -> new BrokerRead(b, s, null))
                            .exceptionally(e -> new BrokerRead(b, null, reason(e))))
                    .toList();
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                    .thenApply(v -> new Snapshot(map, reads.stream().map(CompletableFuture::join).toList()));
        });
    }

    /** Why a broker did not answer, in words fit for the page (never a stack trace). */
    private static String reason(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof BatonException b) {
            // A refused token is the page's problem, not the broker's: the whole request fails.
            if (b.code() == io.baton.api.ErrorCode.UNAUTHENTICATED || b.code() == io.baton.api.ErrorCode.PERMISSION_DENIED) {
                throw b;
            }
            return b.code().name().toLowerCase(java.util.Locale.ROOT) + ": " + b.getMessage();
        }
        return "no answer";
    }

    CompletableFuture<Reply> overview(String project) {
        return read(project).thenApply(s -> ConsoleJson.ok(g -> writeOverview(g, s)));
    }

    private static void writeOverview(JsonGenerator g, Snapshot s) throws IOException {
        Map<String, BrokerRead> byId = new HashMap<>();
        Map<String, Map<Integer, SlotStatus>> slotsById = new HashMap<>();
        boolean healthy = true;
        g.writeStartObject();
        g.writeNumberField("slot_count", s.map().getSlotCount());
        g.writeNumberField("version", s.map().getVersion());
        g.writeArrayFieldStart("brokers");
        for (BrokerRead r : s.brokers()) {
            byId.put(r.info().getId(), r);
            g.writeStartObject();
            g.writeStringField("id", r.info().getId());
            g.writeStringField("address", r.info().getGrpcAddress());
            g.writeBooleanField("reachable", r.status() != null);
            if (r.status() == null) {
                healthy = false;
                g.writeStringField("error", r.error());
            } else {
                BrokerStatus st = r.status();
                Map<Integer, SlotStatus> slots = new HashMap<>();
                st.getSlotsList().forEach(x -> slots.put(x.getSlot(), x));
                slotsById.put(r.info().getId(), slots);
                healthy &= st.getProblemsCount() == 0;
                g.writeBooleanField("zookeeper", st.getZookeeperConnected());
                g.writeStringField("storage", st.getStorage());
                g.writeNumberField("writable_bookies", st.getWritableBookies());
                g.writeArrayFieldStart("problems");
                for (String p : st.getProblemsList()) {
                    g.writeString(p);
                }
                g.writeEndArray();
                g.writeNumberField("slots", st.getSlotsCount());
                g.writeNumberField("messages_posted", st.getMessagesPosted());
                g.writeNumberField("messages_deleted", st.getMessagesDeleted());
                g.writeNumberField("messages_claimed", st.getMessagesClaimed());
                g.writeNumberField("read_at_ms", st.getReadAtMs());
                g.writeNumberField("work_streams", st.getWorkStreamsCount());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("slots");
        for (SlotOwner o : s.map().getSlotsList()) {
            g.writeStartObject();
            g.writeNumberField("slot", o.getSlot());
            g.writeStringField("owner", o.getBrokerId());
            g.writeNumberField("epoch", o.getEpoch());
            SlotStatus st = slotsById.getOrDefault(o.getBrokerId(), Map.of()).get(o.getSlot());
            String state;
            if (o.getBrokerId().isEmpty()) {
                state = "UNASSIGNED";
            } else if (!byId.containsKey(o.getBrokerId()) || byId.get(o.getBrokerId()).status() == null) {
                state = "UNKNOWN"; // its owner is not registered, or did not answer
            } else if (st == null) {
                state = "OPENING"; // assigned in this map, not yet in the owner's view of it
            } else {
                state = st.getState();
            }
            healthy &= state.equals("SERVING");
            g.writeStringField("state", state);
            if (st != null) {
                if (!st.getFailure().isEmpty()) {
                    g.writeStringField("failure", st.getFailure());
                }
                g.writeNumberField("messages", st.getMessages());
                g.writeNumberField("claimed", st.getClaimed());
                g.writeNumberField("delayed", st.getDelayed());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeBooleanField("healthy", healthy);
        g.writeEndObject();
    }

    CompletableFuture<Reply> workers(String project) {
        return read(project).thenApply(s -> ConsoleJson.ok(g -> {
            boolean truncated = false;
            g.writeStartObject();
            g.writeNumberField("now_ms", System.currentTimeMillis());
            g.writeArrayFieldStart("streams");
            for (BrokerRead r : s.brokers()) {
                if (r.status() == null) {
                    continue;
                }
                truncated |= r.status().getWorkStreamsTruncated();
                for (WorkStreamStatus w : r.status().getWorkStreamsList()) {
                    writeStream(g, r.info().getId(), w);
                }
            }
            g.writeEndArray();
            g.writeBooleanField("truncated", truncated);
            g.writeArrayFieldStart("unreachable");
            for (BrokerRead r : s.brokers()) {
                if (r.status() == null) {
                    g.writeString(r.info().getId());
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private static void writeStream(JsonGenerator g, String broker, WorkStreamStatus w) throws IOException {
        g.writeStartObject();
        g.writeStringField("broker", broker);
        g.writeNumberField("stream", w.getStream());
        g.writeStringField("queue", w.getQueue());
        g.writeStringField("worker", w.getWorker());
        g.writeStringField("peer", w.getPeer());
        g.writeNumberField("opened_at_ms", w.getOpenedAtMs());
        g.writeNumberField("credits", w.getCreditsGranted());
        g.writeNumberField("credits_free", w.getCreditsFree());
        g.writeNumberField("held", w.getJobsHeld());
        g.writeNumberField("pushed", w.getJobsPushed());
        g.writeNumberField("acked", w.getJobsAcked());
        g.writeNumberField("released", w.getJobsReleased());
        g.writeNumberField("last_extension_ms", w.getLastExtensionMs());
        g.writeNumberField("last_activity_ms", w.getLastActivityMs());
        g.writeBooleanField("draining", w.getDraining());
        g.writeEndObject();
    }
}
