package io.baton.broker.quota;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What each project holds against its quota, and whether a publish may go ahead. A project's
 * usage is the sum of three parts:
 * <ul>
 *   <li>what this broker's slots hold (each slot reports its projects' changes after every
 *       command, {@link #localChanged});</li>
 *   <li>publishes admitted here and not yet finished (reserved by {@link #admit}, so concurrent
 *       publishes to different slots never pass a quota together on one broker);</li>
 *   <li>what the other brokers of the cluster last reported ({@link #remoteUsage}), which lags by
 *       up to their reporting interval: across brokers a quota can be passed by what the others
 *       admit within that lag.</li>
 * </ul>
 * A publish that would take a project past either limit of its quota is refused whole; deletes,
 * acks and claims are never refused, so the project's workers can drain it.
 *
 * <p>Usage is counted for every project whatever the policy, so a quota added by reloading the
 * policy applies at once. Threads: any; each project's tally changes atomically.
 */
public final class ProjectQuotas {
    /** No quotas (tests, tools). */
    public static ProjectQuotas none() {
        return new ProjectQuotas(() -> QuotaPolicy.NONE);
    }

    /** Messages and body bytes. */
    public record Usage(long messages, long bytes) {
        public static final Usage ZERO = new Usage(0, 0);

        Usage plus(Usage o) {
            return new Usage(messages + o.messages, bytes + o.bytes);
        }
    }

    private record Tally(long messages, long bytes, long flightMessages, long flightBytes) {
        static final Tally EMPTY = new Tally(0, 0, 0, 0);

        Tally held(long m, long b) {
            return new Tally(messages + m, bytes + b, flightMessages, flightBytes);
        }

        Tally flying(long m, long b) {
            return new Tally(messages, bytes, flightMessages + m, flightBytes + b);
        }

        /** An empty tally is dropped, so projects that hold nothing here cost nothing. */
        Tally orNull() {
            return messages == 0 && bytes == 0 && flightMessages == 0 && flightBytes == 0 ? null : this;
        }
    }

    private final Supplier<QuotaPolicy> policy;
    private final ConcurrentHashMap<String, Tally> local = new ConcurrentHashMap<>();
    private volatile Map<String, Usage> remote = Map.of();
    private final AtomicLong refused = new AtomicLong();

    /** {@code policy} is asked at every publish (a file-backed policy re-reads its file itself). */
    public ProjectQuotas(Supplier<QuotaPolicy> policy) {
        this.policy = policy;
    }

    public QuotaPolicy policy() {
        return policy.get();
    }

    /**
     * Reserves room for {@code messages} messages of {@code bytes} body bytes in all for
     * {@code project}; release the reservation once the publish finished, whatever the outcome.
     *
     * @throws QuotaExceededException if they would take the project past its quota (nothing is reserved)
     */
    public Reservation admit(String project, long messages, long bytes) {
        Quota quota = policy.get().quotaOf(project);
        if (quota.unlimited()) {
            return Reservation.NONE;
        }
        Usage elsewhere = remote.getOrDefault(project, Usage.ZERO);
        String[] refusal = {null};
        local.compute(project, (p, found) -> {
            Tally t = found == null ? Tally.EMPTY : found;
            long heldMessages = t.messages + t.flightMessages + elsewhere.messages;
            long heldBytes = t.bytes + t.flightBytes + elsewhere.bytes;
            if (heldMessages + messages > quota.maxMessages()) {
                refusal[0] = refusal(project, heldMessages + " messages", quota.maxMessages() + "");
                return found;
            }
            if (heldBytes + bytes > quota.maxBytes()) {
                refusal[0] = refusal(project, heldBytes + " bytes of messages", quota.maxBytes() + " bytes");
                return found;
            }
            return t.flying(messages, bytes);
        });
        if (refusal[0] != null) {
            refused.incrementAndGet();
            throw new QuotaExceededException(refusal[0]);
        }
        return new Reservation(this, project, messages, bytes);
    }

    private static String refusal(String project, String holds, String most) {
        return "Project " + project + " holds " + holds + " and may hold at most " + most
                + "; nothing was posted. Post again once workers have deleted some.";
    }

    /** A slot here now holds {@code messages} more messages and {@code bytes} more body bytes of {@code project} (or fewer). */
    public void localChanged(String project, long messages, long bytes) {
        if (messages != 0 || bytes != 0) {
            local.compute(project, (p, t) -> (t == null ? Tally.EMPTY : t).held(messages, bytes).orNull());
        }
    }

    /** What the other brokers hold, by project (replaces what they reported before). */
    public void remoteUsage(Map<String, Usage> byProject) {
        remote = Map.copyOf(byProject);
    }

    /** What this broker's slots hold, by project (projects holding nothing are left out). */
    public Map<String, Usage> localUsage() {
        Map<String, Usage> out = new HashMap<>();
        local.forEach((p, t) -> {
            if (t.messages != 0 || t.bytes != 0) {
                out.put(p, new Usage(t.messages, t.bytes));
            }
        });
        return out;
    }

    /** What {@code project} holds across the cluster, as far as this broker knows (publishes in flight excluded). */
    public Usage usage(String project) {
        Tally t = local.getOrDefault(project, Tally.EMPTY);
        return new Usage(t.messages, t.bytes).plus(remote.getOrDefault(project, Usage.ZERO));
    }

    /** Publishes refused for a quota so far. */
    public long refused() {
        return refused.get();
    }

    private void release(String project, long messages, long bytes) {
        local.compute(project, (p, t) -> (t == null ? Tally.EMPTY : t).flying(-messages, -bytes).orNull());
    }

    /** Room held for one publish until the slot counts it (or it failed). Released once, however often asked. */
    public static final class Reservation {
        /** Nothing reserved (the project has no quota). */
        public static final Reservation NONE = new Reservation(null, null, 0, 0);

        private final ProjectQuotas quotas;
        private final String project;
        private final long messages;
        private final long bytes;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        private Reservation(ProjectQuotas quotas, String project, long messages, long bytes) {
            this.quotas = quotas;
            this.project = project;
            this.messages = messages;
            this.bytes = bytes;
        }

        /** Gives the room back; the slot's own report counts what the publish stored. */
        public void release() {
            if (quotas != null && released.compareAndSet(false, true)) {
                quotas.release(project, messages, bytes);
            }
        }

        /** {@link #release} as a completion callback. */
        public <T> java.util.function.BiConsumer<T, Throwable> releaser() {
            return (v, e) -> release();
        }
    }
}
