package io.baton.gateway;

import io.baton.api.v1.ClusterMap;
import io.baton.api.v1.SlotOwner;
import io.baton.sdk.BatonClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Whether a gateway can serve: a broker answers with a cluster map in which every slot has an
 * owner. {@code GET /v1/health} answers it for v1 clients (with a token when auth is on); the
 * metrics port's {@code /health} answers it without one, for orchestrators' probes.
 */
public final class Readiness {
    private static final String NO_BROKER = "No broker answers.";

    private Readiness() {
    }

    /** What keeps the gateway from serving, as sentences; empty when a broker answers and every slot has an owner. */
    public static CompletableFuture<List<String>> problems(BatonClient client) {
        return client.clusterMapAsync().handle((map, e) -> {
            if (e != null) {
                return List.of(NO_BROKER);
            }
            return fullyOwned(map) ? List.of() : List.of("Some slots have no broker.");
        });
    }

    /** {@link #problems(BatonClient)}, waiting at most {@code seconds}. */
    static List<String> problemsNow(BatonClient client, long seconds) {
        try {
            return problems(client).get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return List.of("No broker answered within " + seconds + " s.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("Interrupted.");
        } catch (java.util.concurrent.ExecutionException e) {
            return List.of(NO_BROKER); // not reached: problems() turns every failure into a problem
        }
    }

    static boolean fullyOwned(ClusterMap map) {
        if (map.getSlotsCount() < map.getSlotCount()) {
            return false;
        }
        for (SlotOwner s : map.getSlotsList()) {
            if (s.getBrokerId().isEmpty()) {
                return false;
            }
        }
        return map.getSlotCount() > 0;
    }
}
