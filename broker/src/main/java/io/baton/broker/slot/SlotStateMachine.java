package io.baton.broker.slot;

import io.baton.api.ErrorCode;
import io.baton.api.Limits;
import io.baton.api.QueueNames;
import io.baton.broker.slot.SlotCommand.AckMessages;
import io.baton.broker.slot.SlotCommand.AckResult;
import io.baton.broker.slot.SlotCommand.ClaimEach;
import io.baton.broker.slot.SlotCommand.CreateClaim;
import io.baton.broker.slot.SlotCommand.CreateQueue;
import io.baton.broker.slot.SlotCommand.DeleteMessage;
import io.baton.broker.slot.SlotCommand.DeleteMessages;
import io.baton.broker.slot.SlotCommand.DeleteQueue;
import io.baton.broker.slot.SlotCommand.GetClaim;
import io.baton.broker.slot.SlotCommand.GetMessage;
import io.baton.broker.slot.SlotCommand.GetMessages;
import io.baton.broker.slot.SlotCommand.GetMetadata;
import io.baton.broker.slot.SlotCommand.GetStats;
import io.baton.broker.slot.SlotCommand.ListMessages;
import io.baton.broker.slot.SlotCommand.ListQueues;
import io.baton.broker.slot.SlotCommand.Publish;
import io.baton.broker.slot.SlotCommand.QueueExists;
import io.baton.broker.slot.SlotCommand.ReleaseClaim;
import io.baton.broker.slot.SlotCommand.SetMetadata;
import io.baton.broker.slot.SlotCommand.UpdateClaim;
import io.baton.broker.slot.SlotRecord.ClaimReleased;
import io.baton.broker.slot.SlotRecord.ClaimRenewed;
import io.baton.broker.slot.SlotRecord.MessagesClaimed;
import io.baton.broker.slot.SlotRecord.MessagesDeleted;
import io.baton.broker.slot.SlotRecord.MessagesPosted;
import io.baton.broker.slot.SlotRecord.MetadataSet;
import io.baton.broker.slot.SlotRecord.QueueCreated;
import io.baton.broker.slot.SlotRecord.QueueDeleted;
import io.baton.broker.slot.Views.ClaimView;
import io.baton.broker.slot.Views.MessagePage;
import io.baton.broker.slot.Views.MessageSummary;
import io.baton.broker.slot.Views.MessageView;
import io.baton.broker.slot.Views.PublishResult;
import io.baton.broker.slot.Views.QueueListing;
import io.baton.broker.slot.Views.QueueStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The state of one slot and every rule of the v1 API that concerns it. See the package comment
 * for the decide / apply protocol.
 *
 * <p>Time: commands and records carry milliseconds since the epoch; the slot's clock only moves
 * forward ({@link #time()}), and every decision first applies what the passage of time did (claims
 * and messages that expired). Both are pure functions of state and time, so replay repeats them.
 */
public final class SlotStateMachine {
    private final int slot;
    private final SlotLimits limits;
    /** project -> queue name -> queue, both in byte order of their names (ASCII for queue names). */
    private final TreeMap<String, TreeMap<String, QueueState>> projects = new TreeMap<>();
    private final RequestIdWindows requestIds;
    private final SlotCounters counters = new SlotCounters();
    private final SlotUsage usage = new SlotUsage();
    /** What each project with a queue here holds; kept current by its queues. */
    private final HashMap<String, ProjectUsage> projectUsage = new HashMap<>();
    /** One copy of each error string the ledgers hold. */
    private final Interner interner = new Interner();
    /** Project usages changed since the driver last drained them, each once. */
    private final List<ProjectUsage> projectChanges = new ArrayList<>();
    /** Next sequence to give a message or a claim; never reused. */
    private long nextSeq = 1;
    private long time;
    /** When a broker last began serving the slot with client claims active (0: never recorded). */
    private long openedAt;

    public SlotStateMachine(int slot, SlotLimits limits) {
        this.slot = slot;
        this.limits = limits;
        this.requestIds = new RequestIdWindows(limits.requestIdWindowMillis(), limits.requestIdWindowMaxEntries());
    }

    public int slot() {
        return slot;
    }

    public SlotLimits limits() {
        return limits;
    }

    /** The slot's clock: the latest time it has seen. */
    public long time() {
        return time;
    }

    public long nextSeq() {
        return nextSeq;
    }

    public SlotCounters counters() {
        return counters;
    }

    /** What the slot holds now (messages, bytes, queues); current after every command. */
    public SlotUsage usage() {
        return usage;
    }

    /** What {@code project} holds in this slot; null if it has no queue here. */
    public ProjectUsage usageOf(String project) {
        return projectUsage.get(project);
    }

    /**
     * Hands every project usage that changed since the last call to {@code sink}, once each, in
     * the order they first changed (a project whose last queue went reports zero, then is
     * forgotten).
     */
    public void drainProjectChanges(java.util.function.Consumer<ProjectUsage> sink) {
        for (ProjectUsage u : projectChanges) {
            u.drained();
            sink.accept(u);
        }
        projectChanges.clear();
    }

    /** A new queue, counted in the slot's and its project's usage (not yet in {@link #projects()}). */
    QueueState newQueue(String project, String name) {
        return new QueueState(slot, project, name, usage,
                projectUsage.computeIfAbsent(project, p -> new ProjectUsage(p, projectChanges)), counters, interner);
    }

    /** An estimate of the heap the slot's state takes: what its usage holds plus the request-id window. */
    public long heapEstimate() {
        return usage.heapEstimate() + requestIds.snapshotBytes();
    }

    // ---------------------------------------------------------------- time

    /** Moves the clock to {@code now} (never backwards) and applies what expired meanwhile. */
    public void advanceTo(long now) {
        if (now > time) {
            time = now;
        }
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                q.advanceTo(time, openedAt);
            }
        }
    }

    private QueueState queueAt(String project, String queue, long now) {
        if (now > time) {
            time = now;
        }
        QueueState q = find(project, queue);
        if (q != null) {
            q.advanceTo(time, openedAt);
        }
        return q;
    }

    private QueueState find(String project, String queue) {
        TreeMap<String, QueueState> queues = projects.get(project);
        return queues == null ? null : queues.get(queue);
    }

    private static void checkName(String project, String queue) {
        if (!QueueNames.isValidProject(project)) {
            throw SlotException.invalid(QueueNames.PROJECT_RULE);
        }
        if (!QueueNames.isValid(queue)) {
            throw SlotException.invalid(QueueNames.NAME_RULE);
        }
    }

    private static void checkRange(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw SlotException.invalid(what + " must be at least " + min + " and may not be greater than " + max + ".");
        }
    }

    // ---------------------------------------------------------------- queues

    public Decision<Boolean> createQueue(CreateQueue c, long now) {
        checkName(c.project(), c.queue());
        if (queueAt(c.project(), c.queue(), now) != null) {
            return Decision.read(false);
        }
        return Decision.write(new QueueCreated(time, c.project(), c.queue()), true);
    }

    public Decision<Boolean> deleteQueue(DeleteQueue c, long now) {
        checkName(c.project(), c.queue());
        if (queueAt(c.project(), c.queue(), now) == null) {
            return Decision.read(false);
        }
        return Decision.write(new QueueDeleted(time, c.project(), c.queue()), true);
    }

    public Decision<Boolean> queueExists(QueueExists c, long now) {
        checkName(c.project(), c.queue());
        return Decision.read(queueAt(c.project(), c.queue(), now) != null);
    }

    public Decision<List<QueueListing>> listQueues(ListQueues c, long now) {
        if (!QueueNames.isValidProject(c.project())) {
            throw SlotException.invalid(QueueNames.PROJECT_RULE);
        }
        checkRange("Limit", c.limit(), 1, limits.queueListLimitMax());
        TreeMap<String, QueueState> queues = projects.get(c.project());
        if (queues == null) {
            return Decision.read(List.of());
        }
        Map<String, QueueState> after = c.marker() == null ? queues : queues.tailMap(c.marker(), false);
        List<QueueListing> out = new ArrayList<>(Math.min(c.limit(), after.size()));
        for (QueueState q : after.values()) {
            if (out.size() == c.limit()) {
                break;
            }
            out.add(new QueueListing(q.name, c.detailed() ? q.metadata() : null));
        }
        return Decision.read(out);
    }

    public Decision<byte[]> getMetadata(GetMetadata c, long now) {
        checkName(c.project(), c.queue());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        return Decision.read(q.metadata());
    }

    public Decision<Boolean> setMetadata(SetMetadata c, long now) {
        checkName(c.project(), c.queue());
        if (c.metadataJson() == null || c.metadataJson().length == 0) {
            throw SlotException.invalid("Metadata must be a JSON object.");
        }
        checkRange("Metadata size in bytes", c.metadataJson().length, 1, limits.metadataMaxBytes());
        if (queueAt(c.project(), c.queue(), now) == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        String policy = QueuePolicy.check(c.metadataJson(), c.queue(), limits);
        if (policy != null) {
            throw SlotException.invalid(policy);
        }
        return Decision.write(new MetadataSet(time, c.project(), c.queue(), c.metadataJson()), true);
    }

    public Decision<QueueStats> stats(GetStats c, long now) {
        checkName(c.project(), c.queue());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        MessageTable m = q.messages;
        MessageSummary oldest = null;
        MessageSummary newest = null;
        if (m.live() > 0) {
            oldest = summary(m, m.oldest());
            newest = summary(m, m.newest());
        }
        // Messages on their way to another queue count as claimed: held, and soon gone.
        long held = q.claimed() + q.moving();
        return Decision.read(new QueueStats(held, q.live() - held - q.delayed(), q.live(), oldest, newest, q.delayed(),
                q.rates(now)));
    }

    private MessageSummary summary(MessageTable m, long i) {
        long posted = m.postedAt(i);
        return new MessageSummary(m.seq(i), Math.max(0, (time - posted) / 1000), posted);
    }

    // ---------------------------------------------------------------- messages

    public Decision<PublishResult> publish(Publish c, long now) {
        checkName(c.project(), c.queue());
        List<NewMessage> messages = c.messages();
        if (messages == null || messages.isEmpty()) {
            throw SlotException.invalid("No messages were found in the request body.");
        }
        checkRange("Messages per post", messages.size(), 1, limits.messagesPerPostMax());
        long bytes = 0;
        for (NewMessage m : messages) {
            checkRange("The TTL for a message", m.ttlSeconds(), limits.messageTtlMinSeconds(), limits.messageTtlMaxSeconds());
            if (m.delaySeconds() != NewMessage.QUEUE_DELAY) {
                checkRange("The delay of a message", m.delaySeconds(), 0, m.ttlSeconds());
            }
            if (m.body() == null || m.body().length == 0) {
                throw SlotException.invalid("Every message needs a body.");
            }
            bytes += m.body().length;
        }
        checkRange("Message bodies in bytes", bytes, 1, limits.messageBodyMaxBytes());
        if (c.clientId() == null) {
            throw SlotException.invalid("A Client-ID is required to post messages.");
        }
        String requestId = c.requestId() == null || c.requestId().isEmpty() ? null : c.requestId();
        if (requestId != null && requestId.length() > io.baton.api.Limits.REQUEST_ID_MAX_LENGTH) {
            throw SlotException.invalid("Request ids may be at most " + io.baton.api.Limits.REQUEST_ID_MAX_LENGTH + " characters.");
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (requestId != null) {
            RequestIdWindow.Entry seen = requestIds.get(c.project(), c.queue(), requestId, time);
            if (seen != null) {
                return Decision.read(new PublishResult(range(seen.firstSeq(), seen.count()), true));
            }
        }
        if (q == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        if (q.live() + messages.size() > limits.queueMaxMessages()) {
            throw new SlotException(ErrorCode.RESOURCE_EXHAUSTED, "Queue " + c.queue() + " holds " + q.live()
                    + " messages and may hold at most " + limits.queueMaxMessages()
                    + "; nothing was posted. Post again once workers have deleted some.");
        }
        if (q.messages.liveBodyBytes() + bytes > limits.queueMaxBytes()) {
            throw new SlotException(ErrorCode.RESOURCE_EXHAUSTED, "Queue " + c.queue() + " holds "
                    + q.messages.liveBodyBytes() + " bytes of messages and may hold at most " + limits.queueMaxBytes()
                    + "; nothing was posted. Post again once workers have deleted some.");
        }
        UUID client = c.clientId();
        MessagesPosted record = new MessagesPosted(time, c.project(), c.queue(), client.getMostSignificantBits(),
                client.getLeastSignificantBits(), requestId, nextSeq, withDelays(messages, q.policy().defaultDelay()));
        return Decision.write(record, new PublishResult(range(nextSeq, messages.size()), false));
    }

    /** The messages with the delay that applies to each: its own, or the queue's (never past its TTL). */
    private static List<NewMessage> withDelays(List<NewMessage> messages, int queueDelay) {
        List<NewMessage> out = new ArrayList<>(messages.size());
        for (NewMessage m : messages) {
            out.add(m.delaySeconds() != NewMessage.QUEUE_DELAY ? m
                    : new NewMessage(m.ttlSeconds(), m.body(), Math.min(queueDelay, m.ttlSeconds())));
        }
        return List.copyOf(out);
    }

    private static List<Long> range(long first, int count) {
        List<Long> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(first + i);
        }
        return out;
    }

    public Decision<MessagePage> listMessages(ListMessages c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Limit", c.limit(), 1, limits.messageListLimitMax());
        if (c.clientId() == null) {
            throw SlotException.invalid("A Client-ID is required to list messages.");
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(new MessagePage(List.of(), -1));
        }
        MessageTable m = q.messages;
        long hi = c.clientId().getMostSignificantBits();
        long lo = c.clientId().getLeastSignificantBits();
        List<MessageView> out = new ArrayList<>(c.limit());
        long last = -1;
        long end = m.end();
        for (long i = c.marker() < 0 ? m.first() : m.firstAfter(c.marker()); i != end && out.size() < c.limit(); i = m.next(i)) {
            if (!m.isLive(i)) {
                continue;
            }
            boolean own = m.sameClient(i, hi, lo);
            if ((own && !c.echo()) || (!c.includeClaimed() && q.isClaimed(i)) || (!c.includeDelayed() && q.isDelayed(i))) {
                continue;
            }
            out.add(q.view(i, time));
            last = m.seq(i);
        }
        return Decision.read(new MessagePage(out, last));
    }

    public Decision<MessageView> getMessage(GetMessage c, long now) {
        checkName(c.project(), c.queue());
        QueueState q = queueAt(c.project(), c.queue(), now);
        long i = q == null || c.seq() <= 0 ? -1 : q.messages.indexOf(c.seq());
        if (i < 0) {
            throw SlotException.notFound("Message not found.");
        }
        return Decision.read(q.view(i, time));
    }

    public Decision<List<MessageView>> getMessages(GetMessages c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Ids per request", c.seqs().length, 1, limits.idsPerRequestMax());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(List.of());
        }
        List<MessageView> out = new ArrayList<>(c.seqs().length);
        long[] seen = new long[c.seqs().length];
        int n = 0;
        for (long s : c.seqs()) {
            long i = s <= 0 || contains(seen, n, s) ? -1 : q.messages.indexOf(s);
            if (i >= 0) {
                seen[n++] = s;
                out.add(q.view(i, time));
            }
        }
        return Decision.read(out);
    }

    private static boolean contains(long[] values, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (values[i] == v) {
                return true;
            }
        }
        return false;
    }

    /** Spec 2.9, row by row. */
    public Decision<Boolean> deleteMessage(DeleteMessage c, long now) {
        checkName(c.project(), c.queue());
        if (c.claimSeq() == DeleteMessage.BAD_CLAIM || c.claimSeq() < 0 || c.claimSeq() >= nextSeq) {
            throw SlotException.invalid("The claim id is malformed or was never issued.");
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        long i = q == null || c.seq() <= 0 ? -1 : q.messages.indexOf(c.seq());
        if (i < 0) {
            return Decision.read(false);
        }
        long holder = q.isDelayed(i) ? 0 : q.messages.claim(i);
        boolean held = q.isClaimed(i);
        if (c.claimSeq() == DeleteMessage.NO_CLAIM) {
            if (held) {
                throw new SlotException(ErrorCode.CLAIM_CONFLICT,
                        "The message is claimed; to delete it you must give the id of the claim that holds it.");
            }
        } else if (holder != c.claimSeq()) {
            if (held) {
                throw new SlotException(ErrorCode.CLAIM_CONFLICT, "The message is held by another claim.");
            }
            throw new SlotException(ErrorCode.CLAIM_NOT_HELD, "The claim does not hold this message.");
        }
        // Held by the named claim, or that claim expired and nobody re-claimed the message: delete.
        return Decision.write(new MessagesDeleted(time, c.project(), c.queue(), new long[] {c.seq()}), true);
    }

    public Decision<Views.PurgeResult> purgeMessages(SlotCommand.PurgeMessages c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Messages per purge", c.limit(), 1, PURGE_MAX);
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        MessageTable m = q.messages;
        long[] found = new long[Math.min(c.limit(), Math.max(1, m.live()))];
        int n = 0;
        long p = m.first();
        for (; p != m.end() && n < found.length && m.seq(p) <= c.upToSeq(); p = m.next(p)) {
            if (m.isLive(p)) {
                found[n++] = m.seq(p);
            }
        }
        boolean more = n == found.length && p != m.end() && m.seq(p) <= c.upToSeq();
        if (n == 0) {
            return Decision.read(new Views.PurgeResult(0, false));
        }
        return Decision.write(new MessagesDeleted(time, c.project(), c.queue(), java.util.Arrays.copyOf(found, n)),
                new Views.PurgeResult(n, more));
    }

    /** The most messages one purge decision deletes (one record: 8 bytes each). */
    public static final int PURGE_MAX = 10_000;

    public Decision<Integer> deleteMessages(DeleteMessages c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Ids per request", c.seqs().length, 1, limits.idsPerRequestMax());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(0);
        }
        long[] found = new long[c.seqs().length];
        int n = 0;
        for (long s : c.seqs()) {
            if (s > 0 && !contains(found, n, s) && q.messages.indexOf(s) >= 0) {
                found[n++] = s;
            }
        }
        if (n == 0) {
            return Decision.read(0);
        }
        return Decision.write(new MessagesDeleted(time, c.project(), c.queue(), java.util.Arrays.copyOf(found, n)), n);
    }

    // ---------------------------------------------------------------- claims

    /** The TTL and grace of a new claim (a renewal may drop the grace to 0: see updateClaim). */
    private void checkNewLease(long ttlSeconds, long graceSeconds) {
        checkRange("The TTL for a claim", ttlSeconds, limits.claimTtlMinSeconds(), limits.claimTtlMaxSeconds());
        checkRange("The grace for a claim", graceSeconds, limits.claimGraceMinSeconds(), limits.claimGraceMaxSeconds());
    }

    public Decision<ClaimView> createClaim(CreateClaim c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Limit", c.limit(), 1, limits.claimLimitMax());
        checkNewLease(c.ttlSeconds(), c.graceSeconds());
        QueueState q = queueAt(c.project(), c.queue(), now);
        QueueState.Pick pick = q == null ? EMPTY_PICK : q.pick(c.limit());
        long[] seqs = pick.free();
        List<SlotRecord> records = new ArrayList<>(2);
        long claimSeq = deadLetter(q, pick, records);
        if (seqs.length == 0) {
            return new Decision<>(records, () -> new ClaimView(0, 0, 0, List.of()));
        }
        records.add(new MessagesClaimed(time, c.project(), c.queue(), claimSeq, (int) c.ttlSeconds(),
                (int) c.graceSeconds(), seqs));
        return new Decision<>(records, () -> {
            Claim claim = q.claims.get(claimSeq);
            return new ClaimView(claimSeq, claim.ttlSeconds, 0, q.heldBy(claim, time));
        });
    }

    public Decision<List<ClaimView>> claimEach(ClaimEach c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Count", c.count(), 1, Limits.WORK_BATCH_MAX);
        checkNewLease(c.ttlSeconds(), c.graceSeconds());
        QueueState q = queueAt(c.project(), c.queue(), now);
        QueueState.Pick pick = q == null ? EMPTY_PICK : q.pick(c.count());
        long[] seqs = pick.free();
        List<SlotRecord> records = new ArrayList<>(seqs.length + 1);
        long firstClaim = deadLetter(q, pick, records);
        if (seqs.length == 0) {
            return new Decision<>(records, List::of);
        }
        // Claim sequences are given in order from firstClaim; applying each record moves nextSeq past it.
        for (int i = 0; i < seqs.length; i++) {
            records.add(new MessagesClaimed(time, c.project(), c.queue(), firstClaim + i, (int) c.ttlSeconds(),
                    (int) c.graceSeconds(), new long[] {seqs[i]}));
        }
        return new Decision<>(records, () -> {
            List<ClaimView> views = new ArrayList<>(seqs.length);
            for (int i = 0; i < seqs.length; i++) {
                Claim claim = q.claims.get(firstClaim + i);
                views.add(new ClaimView(claim.seq, claim.ttlSeconds, 0, q.heldBy(claim, time)));
            }
            return views;
        });
    }

    private static final QueueState.Pick EMPTY_PICK = new QueueState.Pick(new long[0], new long[0]);

    /**
     * Adds the move of the messages a claim found over their claim limit to {@code records}, and
     * returns the first sequence free for claims after it.
     */
    private long deadLetter(QueueState q, QueueState.Pick pick, List<SlotRecord> records) {
        if (pick.over().length == 0) {
            return nextSeq;
        }
        QueuePolicy p = q.policy();
        records.add(new SlotRecord.MovesStarted(time, q.project, q.name, nextSeq, pick.over(),
                new Move(p.deadLetterQueue(), p.deadLetterTtl(), false)));
        return nextSeq + 1;
    }

    // ---------------------------------------------------------------- moves between queues

    public Decision<List<Views.MoveBatch>> pendingMoves(SlotCommand.PendingMoves c, long now) {
        advanceTo(now);
        List<Views.MoveBatch> out = new ArrayList<>();
        int budget = c.maxMessages();
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                if (q.moving() == 0) {
                    continue;
                }
                for (Claim hold : q.moveHolds()) {
                    if (budget <= 0) {
                        return Decision.read(out);
                    }
                    List<Views.MovingMessage> moving = new ArrayList<>();
                    for (long s : hold.messages) {
                        long i = q.messages.indexOf(s);
                        if (i >= 0 && q.messages.claim(i) == hold.seq) {
                            moving.add(movingMessage(q, i, hold.move));
                        }
                    }
                    budget -= moving.size();
                    out.add(new Views.MoveBatch(q.project, q.name, hold.seq, hold.move, moving));
                }
            }
        }
        return Decision.read(out);
    }

    /** Entry {@code i} of {@code q} as its copy will be made: TTL, body, where it was, its ledger. */
    private Views.MovingMessage movingMessage(QueueState q, long i, Move move) {
        MessageTable m = q.messages;
        long seq = m.seq(i);
        Origin was = q.origin(i);
        int ttl = move.ttlSeconds() > 0 ? move.ttlSeconds()
                : move.redrive() && was != null ? was.ttlSeconds() : m.ttl(i);
        boolean inMemory = m.unplaced(i);
        Body body = new Body(inMemory ? SlotSnapshot.UNPLACED : m.bodyAddr(i), m.length(i), m.checked(i));
        if (inMemory) {
            body.fill(q.unplaced.get(seq));
        }
        Origin here = new Origin(slot, q.name, seq, m.postedAt(i), m.ttl(i));
        return new Views.MovingMessage(seq, ttl, body, here, q.endedAttempts(i), q.endedLedger(i));
    }

    public Decision<Integer> acceptMoved(SlotCommand.AcceptMoved c, long now) {
        checkName(c.project(), c.queue());
        if (c.messages().isEmpty() || c.messages().size() > QueueState.MOVE_BATCH_MAX) {
            throw SlotException.invalid("A move carries 1-" + QueueState.MOVE_BATCH_MAX + " messages.");
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        RequestIdWindow.Entry seen = requestIds.get(c.project(), c.queue(), c.requestId(), time);
        if (seen != null) {
            return Decision.read(0);
        }
        List<MovedMessage> fresh = new ArrayList<>(c.messages().size());
        long bytes = 0;
        for (MovedMessage m : c.messages()) {
            if (m.body() == null || m.body().length == 0 || m.ttlSeconds() < 1 || m.origin() == null || m.origin().seq() < 1) {
                throw SlotException.invalid("A moved message needs a body, a TTL and its origin.");
            }
            if (q == null || !q.holdsCopyOf(m.origin())) {
                fresh.add(m);
                bytes += m.body().length;
            }
        }
        List<SlotRecord> records = new ArrayList<>(2);
        if (q == null) {
            records.add(new QueueCreated(time, c.project(), c.queue()));
        }
        if (fresh.isEmpty()) {
            return new Decision<>(records, () -> 0);
        }
        long live = q == null ? 0 : q.live();
        long liveBytes = q == null ? 0 : q.messages.liveBodyBytes();
        if (live + fresh.size() > limits.queueMaxMessages() || liveBytes + bytes > limits.queueMaxBytes()) {
            throw new SlotException(ErrorCode.RESOURCE_EXHAUSTED, "Queue " + c.queue() + " is full (" + live
                    + " messages, " + liveBytes + " bytes); the messages moved to it wait where they are until it has room.");
        }
        records.add(new SlotRecord.MessagesMovedIn(time, c.project(), c.queue(), c.requestId(), nextSeq, List.copyOf(fresh)));
        int n = fresh.size();
        return new Decision<>(records, () -> n);
    }

    public Decision<Integer> finishMove(SlotCommand.FinishMove c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Holds per request", c.holdSeqs().length, 1, QueueState.MOVE_BATCH_MAX);
        QueueState q = queueAt(c.project(), c.queue(), now);
        List<SlotRecord> records = new ArrayList<>(c.holdSeqs().length);
        long[] seen = new long[c.holdSeqs().length];
        int n = 0;
        int messages = 0;
        for (long s : c.holdSeqs()) {
            Claim hold = q == null || contains(seen, n, s) ? null : q.moveHold(s);
            if (hold != null) {
                seen[n++] = s;
                messages += hold.held;
                records.add(new SlotRecord.MovesFinished(time, c.project(), c.queue(), hold.seq));
            }
        }
        int finished = messages;
        return records.isEmpty() ? Decision.read(0) : new Decision<>(records, () -> finished);
    }

    public Decision<Views.RedriveResult> redrive(SlotCommand.Redrive c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Limit", c.limit(), 1, QueueState.MOVE_BATCH_MAX);
        checkRange("Ids per request", c.seqs().length, 0, limits.idsPerRequestMax());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            throw SlotException.notFound("Queue " + c.queue() + " does not exist.");
        }
        // Free messages moved here, grouped by the queue they go back to (one hold per queue): those
        // named, or else the moved-in ones oldest first (blocks of messages posted here are skipped whole).
        Iterable<Long> candidates;
        if (c.seqs().length > 0) {
            java.util.TreeSet<Long> named = new java.util.TreeSet<>();
            for (long s : c.seqs()) {
                if (s > 0) {
                    named.add(s);
                }
            }
            candidates = named;
        } else {
            candidates = q.movedIn();
        }
        TreeMap<String, List<Long>> byTarget = new TreeMap<>();
        int taken = 0;
        int notMoved = 0;
        for (long s : candidates) {
            if (taken == c.limit()) {
                break;
            }
            long i = q.messages.indexOf(s);
            if (i < 0 || q.isHeld(i)) {
                continue;
            }
            Origin o = q.origin(i);
            if (o == null) {
                notMoved++;
            } else {
                byTarget.computeIfAbsent(o.queue(), k -> new ArrayList<>()).add(s);
                taken++;
            }
        }
        List<SlotRecord> records = new ArrayList<>(byTarget.size());
        long hold = nextSeq;
        for (java.util.Map.Entry<String, List<Long>> e : byTarget.entrySet()) {
            records.add(new SlotRecord.MovesStarted(time, c.project(), c.queue(), hold++,
                    e.getValue().stream().mapToLong(Long::longValue).toArray(), new Move(e.getKey(), 0, true)));
        }
        Views.RedriveResult result = new Views.RedriveResult(taken, notMoved);
        return new Decision<>(records, () -> result);
    }

    public Decision<AckResult> ackMessages(AckMessages c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Acks per request", c.seqs().length, 1, Limits.WORK_BATCH_MAX);
        if (c.claimSeqs().length != c.seqs().length) {
            throw SlotException.invalid("Every ack names a message and its claim.");
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(new AckResult(c.seqs().length, 0));
        }
        long[] delete = new long[c.seqs().length];
        int n = 0;
        int refused = 0;
        for (int k = 0; k < c.seqs().length; k++) {
            long seq = c.seqs()[k];
            long i = seq <= 0 ? -1 : q.messages.indexOf(seq);
            if (i < 0) {
                continue; // already gone: the ack's purpose is met
            }
            // A message acked twice in one batch is listed twice; applying the record deletes it once.
            // As a delete with a claim id (spec 2.9): the named claim holds it, or that claim
            // expired and nobody claimed the message since.
            if (c.claimSeqs()[k] <= 0 || q.messages.claim(i) != c.claimSeqs()[k] || q.isDelayed(i)) {
                refused++;
            } else {
                delete[n++] = seq;
            }
        }
        AckResult result = new AckResult(c.seqs().length - refused, refused);
        if (n == 0) {
            return Decision.read(result);
        }
        return Decision.write(new MessagesDeleted(time, c.project(), c.queue(), java.util.Arrays.copyOf(delete, n)), result);
    }

    /**
     * When the queue's next claim may expire and free its messages (Long.MAX_VALUE: no claim), for
     * waking streaming workers at that moment instead of polling.
     */
    public long nextClaimExpiry(String project, String queue) {
        QueueState q = find(project, queue);
        return q == null ? Long.MAX_VALUE : q.claims.nextExpiry();
    }

    public Decision<ClaimView> getClaim(GetClaim c, long now) {
        checkName(c.project(), c.queue());
        QueueState q = queueAt(c.project(), c.queue(), now);
        Claim claim = q == null ? null : q.clientClaim(c.claimSeq());
        if (claim == null) {
            throw SlotException.notFound("Claim not found.");
        }
        return Decision.read(new ClaimView(claim.seq, claim.ttlSeconds, Math.max(0, (time - claim.renewedAt) / 1000),
                q.heldBy(claim, time)));
    }

    public Decision<Boolean> updateClaim(UpdateClaim c, long now) {
        checkName(c.project(), c.queue());
        checkRange("The TTL for a claim", c.ttlSeconds(), limits.claimTtlMinSeconds(), limits.claimTtlMaxSeconds());
        checkRange("The grace for a claim", c.graceSeconds(), 0, limits.claimGraceMaxSeconds());
        QueueState q = queueAt(c.project(), c.queue(), now);
        Claim claim = q == null ? null : q.clientClaim(c.claimSeq());
        if (claim == null) {
            throw SlotException.notFound("Claim not found.");
        }
        return Decision.write(new ClaimRenewed(time, c.project(), c.queue(), claim.seq, (int) c.ttlSeconds(),
                (int) c.graceSeconds()), true);
    }

    public Decision<Boolean> releaseClaim(ReleaseClaim c, long now) {
        checkName(c.project(), c.queue());
        checkReleaseDelay(c.delayMillis());
        QueueState q = queueAt(c.project(), c.queue(), now);
        List<SlotRecord> records = new ArrayList<>(2);
        return release(records, q, c.claimSeq(), c.delayMillis(), false, c.errorClass(), c.errorMessage(), nextSeq) < 0
                ? Decision.read(false) : new Decision<>(records, () -> true);
    }

    public Decision<Integer> releaseClaims(SlotCommand.ReleaseClaims c, long now) {
        checkName(c.project(), c.queue());
        checkRange("Releases in a batch", c.releases().size(), 1, Limits.WORK_BATCH_MAX);
        for (SlotCommand.ReleaseClaims.Release r : c.releases()) {
            checkReleaseDelay(r.delayMillis());
        }
        QueueState q = queueAt(c.project(), c.queue(), now);
        List<SlotRecord> records = new ArrayList<>(c.releases().size());
        long holdSeq = nextSeq; // applying each record moves nextSeq past its hold, as issued here
        long[] seen = new long[c.releases().size()];
        int n = 0;
        for (SlotCommand.ReleaseClaims.Release r : c.releases()) {
            if (contains(seen, n, r.claimSeq())) {
                continue; // a claim named twice is released once: the second is refused like any ended claim
            }
            long next = release(records, q, r.claimSeq(), r.delayMillis(), r.deadLetter(), r.errorClass(), r.errorMessage(), holdSeq);
            if (next < 0) {
                continue;
            }
            seen[n++] = r.claimSeq();
            holdSeq = next;
        }
        int refused = c.releases().size() - n;
        return records.isEmpty() ? Decision.read(refused) : new Decision<>(records, () -> refused);
    }

    /**
     * Both parts decided against the state before either: the same as deciding the acks, applying
     * them, then deciding the releases, because no release names a claim an ack names (checked).
     * An ack deletes only what its own claim holds, and a release reads only its claim, its
     * messages' ledgers, the queue's policy and the next sequence number, none of which the other
     * claims' deletes change ({@code SettleProperties} holds the two ways to the same records).
     */
    public Decision<SlotCommand.SettleResult> settle(SlotCommand.Settle c, long now) {
        if (c.acks() != null && c.releases() != null && SlotCommand.Settle.shareAClaim(c.acks(), c.releases())) {
            throw SlotException.invalid("A settle may not release a claim that it acknowledges.");
        }
        Decision<AckResult> acks = c.acks() == null ? Decision.read(new AckResult(0, 0)) : ackMessages(c.acks(), now);
        Decision<Integer> releases = c.releases() == null ? Decision.read(0) : releaseClaims(c.releases(), now);
        List<SlotRecord> records;
        if (acks.records().isEmpty()) {
            records = releases.records();
        } else if (releases.records().isEmpty()) {
            records = acks.records();
        } else {
            records = new ArrayList<>(acks.records().size() + releases.records().size());
            records.addAll(acks.records());
            records.addAll(releases.records());
        }
        return new Decision<>(records, () -> new SlotCommand.SettleResult(acks.reply().get(), releases.reply().get()));
    }

    private void checkReleaseDelay(long delayMillis) {
        if (delayMillis != ReleaseClaim.QUEUE_BACKOFF) {
            checkRange("The delay of a release in milliseconds", delayMillis, 0, limits.messageTtlMaxSeconds() * 1000L);
        }
    }

    /**
     * Adds to {@code records} what gives claim {@code claimSeq} of {@code q} back after
     * {@code delayMillis} ({@link ReleaseClaim#QUEUE_BACKOFF}: the queue's retry policy decides),
     * waiting under hold {@code holdSeq} if it waits at all: its {@link ClaimReleased}, then, in the
     * same decision, {@link SlotRecord.MovesStarted} for the messages that go to the dead-letter
     * queue at once rather than wait for a claim to find them over their limit: all it holds if
     * the worker gave up ({@code giveUp}, where the queue has a dead-letter queue), else those
     * whose attempt now ending is the last the queue allows. Freed by the release and held for the
     * move by the same decision, they are never claimable between, and nothing waits a backoff to
     * be moved. Returns the next hold sequence free, or -1 if no such claim is active (nothing added).
     */
    private long release(List<SlotRecord> records, QueueState q, long claimSeq, long delayMillis, boolean giveUp,
                         String errorClass, String errorMessage, long holdSeq) {
        Claim claim = q == null ? null : q.clientClaim(claimSeq);
        if (claim == null) {
            return -1;
        }
        QueuePolicy p = q.policy();
        // Read before any record applies (a decision changes nothing), so the claim still holds them.
        long[] held = q.heldSeqs(claim);
        long[] moving = giveUp && p.deadLetterQueue() != null ? held : q.spentAmong(held);
        long delay = delayMillis != ReleaseClaim.QUEUE_BACKOFF ? delayMillis
                : p.retryDelay(q.attemptOf(claim), claim.seq ^ ((long) slot << 48));
        if (moving.length > 0 && delay > 0) {
            if (moving.length == held.length) {
                delay = 0; // all of it moves: nothing waits
            } else {
                moving = new long[0]; // the rest waits, and these with it, to be moved by the claim that finds them
            }
        }
        boolean waits = delay > 0;
        records.add(new ClaimReleased(time, q.project, q.name, claim.seq, waits ? holdSeq : 0, waits ? time + delay : 0,
                Attempt.cut(errorClass, Attempt.ERROR_CLASS_MAX), Attempt.cut(errorMessage, Attempt.ERROR_MESSAGE_MAX)));
        long next = waits ? holdSeq + 1 : holdSeq;
        if (moving.length > 0) {
            records.add(new SlotRecord.MovesStarted(time, q.project, q.name, next++, moving,
                    new Move(p.deadLetterQueue(), p.deadLetterTtl(), false)));
        }
        return next;
    }

    public Decision<Boolean> markStreamClosed(SlotCommand.MarkStreamClosed c, long now) {
        checkName(c.project(), c.queue());
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(false);
        }
        long[] active = new long[c.claimSeqs().length];
        int n = 0;
        for (long s : c.claimSeqs()) {
            Claim claim = q.clientClaim(s);
            if (claim != null && !claim.streamClosed && !contains(active, n, s)) {
                active[n++] = s;
            }
        }
        if (n == 0) {
            return Decision.read(false);
        }
        return Decision.write(new SlotRecord.StreamClosed(time, c.project(), c.queue(), java.util.Arrays.copyOf(active, n)), true);
    }

    public Decision<Boolean> openSlot(SlotCommand.OpenSlot c, long now) {
        advanceTo(now);
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                if (q.claimed() > 0) {
                    return Decision.write(new SlotRecord.SlotOpened(time), true);
                }
            }
        }
        return Decision.read(false);
    }

    // ---------------------------------------------------------------- bodies

    /**
     * Writes the given bodies again, into this decision's record, for the messages among
     * {@code c.seqs()} that are still live with their body where {@code c.from()} says (deleted,
     * expired and already moved ones are left out). The storage that held them can then go.
     */
    public Decision<Integer> moveBodies(SlotCommand.MoveBodies c, long now) {
        QueueState q = queueAt(c.project(), c.queue(), now);
        if (q == null) {
            return Decision.read(0);
        }
        long[] seqs = new long[c.seqs().length];
        List<byte[]> bodies = new ArrayList<>(c.seqs().length);
        int n = 0;
        for (int k = 0; k < c.seqs().length; k++) {
            long i = q.messages.indexOf(c.seqs()[k]);
            long at = i < 0 ? 0 : q.messages.unplaced(i) ? SlotSnapshot.UNPLACED : q.messages.bodyAddr(i);
            if (i >= 0 && at == c.from()[k] && q.messages.length(i) == c.bodies().get(k).length) {
                seqs[n++] = c.seqs()[k];
                bodies.add(c.bodies().get(k));
            }
        }
        if (n == 0) {
            return Decision.read(0);
        }
        return Decision.write(new SlotRecord.BodiesMoved(time, c.project(), c.queue(), java.util.Arrays.copyOf(seqs, n), bodies), n);
    }

    /**
     * Raises the next sequence number to {@code floor} if it is lower: ids the slot issued before
     * its log was set back (restored from a backup) are never issued again.
     */
    public Decision<Boolean> raiseSeqFloor(SlotCommand.RaiseSeqFloor c, long now) {
        if (c.floor() <= nextSeq) {
            return Decision.read(false);
        }
        return Decision.write(new SlotRecord.SeqFloorRaised(time, c.floor()), true);
    }

    /** Whether any body is held in memory only, waiting to be written to the log. */
    public boolean hasUnplacedBodies() {
        for (TreeMap<String, QueueState> byName : projects.values()) {
            for (QueueState q : byName.values()) {
                if (q.unplaced != null) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- apply

    /**
     * Applies a decided record, which lies in the slot's log as {@code placement} says: the only
     * way state changes, live and in replay. A message's body stays where the record put it.
     */
    public void apply(SlotRecord r, Placement placement) {
        if (r.time() > time) {
            time = r.time();
        }
        if (r instanceof MessagesPosted p) {
            QueueState q = queueAt(p.project(), p.queue(), p.time());
            long seq = p.firstSeq();
            int k = 0;
            for (NewMessage m : p.messages()) {
                if (q != null) {
                    q.append(seq, p.time(), m.ttlSeconds(), m.body().length, p.clientHi(), p.clientLo(),
                            placement.bodyAddress(k), placement.checked());
                }
                seq++;
                k++;
            }
            counters.messagesPosted += p.messages().size();
            if (q != null) {
                q.count(Throughput.Kind.POSTED, p.time(), p.messages().size());
            }
            seq = holdDelayed(q, p, seq);
            nextSeq = Math.max(nextSeq, seq);
            if (p.requestId() != null) {
                requestIds.put(p.project(), p.queue(), p.requestId(),
                        new RequestIdWindow.Entry(p.time(), p.firstSeq(), p.messages().size()));
            }
        } else if (r instanceof MessagesClaimed mc) {
            QueueState q = queueAt(mc.project(), mc.queue(), mc.time());
            if (q != null) {
                for (long s : mc.seqs()) {
                    long i = q.messages.indexOf(s);
                    if (i >= 0 && q.messages.claim(i) != 0) {
                        counters.messagesRedelivered++; // its last claim expired (a release clears it)
                    }
                }
                q.claim(mc.claimSeq(), mc.time(), mc.ttlSeconds(), mc.graceSeconds(), mc.seqs());
            }
            nextSeq = Math.max(nextSeq, mc.claimSeq() + 1);
            counters.claimsCreated++;
            counters.messagesClaimed += mc.seqs().length;
        } else if (r instanceof MessagesDeleted d) {
            QueueState q = queueAt(d.project(), d.queue(), d.time());
            if (q != null) {
                int n = 0;
                for (long s : d.seqs()) {
                    long i = q.messages.indexOf(s);
                    if (i >= 0) {
                        q.remove(i, AttemptOutcome.ACKED);
                        n++;
                    }
                }
                counters.messagesDeleted += n;
                q.count(Throughput.Kind.DELETED, d.time(), n);
            }
        } else if (r instanceof ClaimRenewed cr) {
            QueueState q = queueAt(cr.project(), cr.queue(), cr.time());
            Claim claim = q == null ? null : q.clientClaim(cr.claimSeq());
            if (claim != null) {
                q.renew(claim, cr.time(), cr.ttlSeconds(), cr.graceSeconds());
            }
        } else if (r instanceof ClaimReleased rel) {
            QueueState q = queueAt(rel.project(), rel.queue(), rel.time());
            Claim claim = q == null ? null : q.clientClaim(rel.claimSeq());
            if (claim != null) {
                q.release(claim, rel.time(), rel.holdSeq(), rel.retryAt(), rel.errorClass(), rel.errorMessage());
            }
            if (rel.holdSeq() > 0) {
                nextSeq = Math.max(nextSeq, rel.holdSeq() + 1);
            }
        } else if (r instanceof SlotRecord.StreamClosed sc) {
            QueueState q = queueAt(sc.project(), sc.queue(), sc.time());
            for (long s : sc.claimSeqs()) {
                Claim claim = q == null ? null : q.clientClaim(s);
                if (claim != null) {
                    q.streamClosed(claim);
                }
            }
        } else if (r instanceof SlotRecord.MovesStarted ms) {
            QueueState q = queueAt(ms.project(), ms.queue(), ms.time());
            if (q != null) {
                q.startMove(ms.holdSeq(), ms.seqs(), ms.time(), ms.move());
                if (!ms.move().redrive()) {
                    q.count(Throughput.Kind.DEAD_LETTERED, ms.time(), ms.seqs().length);
                }
            }
            nextSeq = Math.max(nextSeq, ms.holdSeq() + 1);
        } else if (r instanceof SlotRecord.MovesFinished mf) {
            QueueState q = queueAt(mf.project(), mf.queue(), mf.time());
            Claim hold = q == null ? null : q.moveHold(mf.holdSeq());
            if (hold != null) {
                q.finishMove(hold);
            }
        } else if (r instanceof SlotRecord.MessagesMovedIn in) {
            QueueState q = queueAt(in.project(), in.queue(), in.time());
            long seq = in.firstSeq();
            int k = 0;
            for (MovedMessage m : in.messages()) {
                if (q != null) {
                    q.append(seq, in.time(), m.ttlSeconds(), m.body().length, 0, 0, placement.bodyAddress(k), placement.checked());
                    q.movedIn(seq, m.origin(), m.ended(), m.recent());
                }
                seq++;
                k++;
            }
            counters.messagesMovedIn += in.messages().size();
            if (q != null) {
                q.count(Throughput.Kind.POSTED, in.time(), in.messages().size());
            }
            nextSeq = Math.max(nextSeq, seq);
            requestIds.put(in.project(), in.queue(), in.requestId(), new RequestIdWindow.Entry(in.time(), in.firstSeq(),
                    in.messages().size()));
        } else if (r instanceof SlotRecord.SlotOpened o) {
            // Expiries up to now are judged by the previous owner's rules first: the same order live and in replay.
            advanceTo(o.time());
            openedAt = o.time();
        } else if (r instanceof QueueCreated qc) {
            projects.computeIfAbsent(qc.project(), p -> new TreeMap<>())
                    .computeIfAbsent(qc.queue(), n -> newQueue(qc.project(), n));
        } else if (r instanceof QueueDeleted qd) {
            TreeMap<String, QueueState> queues = projects.get(qd.project());
            if (queues != null) {
                QueueState gone = queues.remove(qd.queue());
                if (gone != null) {
                    gone.dropped();
                    if (projectUsage.get(qd.project()).queues == 0) {
                        projectUsage.remove(qd.project());
                    }
                }
                if (queues.isEmpty()) {
                    projects.remove(qd.project());
                }
            }
        } else if (r instanceof MetadataSet ms) {
            QueueState q = find(ms.project(), ms.queue());
            if (q != null) {
                q.metadata(ms.metadataJson());
            }
        } else if (r instanceof SlotRecord.BodiesMoved b) {
            QueueState q = find(b.project(), b.queue());
            if (q != null) {
                for (int k = 0; k < b.seqs().length; k++) {
                    q.moveBody(b.seqs()[k], placement.bodyAddress(k), placement.checked());
                }
            }
        } else if (r instanceof SlotRecord.SeqFloorRaised f) {
            nextSeq = Math.max(nextSeq, f.floor());
        } else {
            throw new IllegalArgumentException("unknown record " + r);
        }
    }

    /**
     * Puts the delayed messages of {@code p} under delay holds, one per distinct delay in the order
     * each first appears, numbered from {@code nextFree}; returns the next number after them. The
     * numbers follow from the record alone, so replay gives the same.
     */
    private static long holdDelayed(QueueState q, MessagesPosted p, long nextFree) {
        List<NewMessage> messages = p.messages();
        java.util.LinkedHashMap<Integer, long[]> byDelay = null;
        for (int k = 0; k < messages.size(); k++) {
            int delay = messages.get(k).delaySeconds();
            if (delay > 0) {
                if (byDelay == null) {
                    byDelay = new java.util.LinkedHashMap<>();
                }
                long[] seqs = byDelay.get(delay);
                seqs = seqs == null ? new long[] {p.firstSeq() + k} : append(seqs, p.firstSeq() + k);
                byDelay.put(delay, seqs);
            }
        }
        if (byDelay == null) {
            return nextFree;
        }
        for (java.util.Map.Entry<Integer, long[]> e : byDelay.entrySet()) {
            if (q != null) {
                q.hold(nextFree, e.getValue(), p.time(), e.getKey());
            }
            nextFree++;
        }
        return nextFree;
    }

    private static long[] append(long[] a, long v) {
        long[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }

    // ---------------------------------------------------------------- inspection

    /** The (at most) {@code k} queues with the most delayed messages, most first (for per-queue metrics). */
    public List<Views.QueueCount> mostDelayed(int k) {
        java.util.PriorityQueue<Views.QueueCount> top = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Views.QueueCount::count));
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                if (q.delayed() > 0 && (top.size() < k || q.delayed() > top.peek().count())) {
                    top.add(new Views.QueueCount(q.project, q.name, q.delayed()));
                    if (top.size() > k) {
                        top.poll();
                    }
                }
            }
        }
        List<Views.QueueCount> out = new ArrayList<>(top);
        out.sort(java.util.Comparator.comparingLong(Views.QueueCount::count).reversed());
        return out;
    }

    /** Live, claimed, delayed and moving message totals over the slot's queues (for metrics). */
    public long[] totals() {
        long live = 0;
        long claimed = 0;
        long delayed = 0;
        long moving = 0;
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                live += q.live();
                claimed += q.claimed();
                delayed += q.delayed();
                moving += q.moving();
            }
        }
        return new long[] {live, claimed, delayed, moving};
    }

    /**
     * Bytes a snapshot of this slot would roughly take: a per-message index entry (bodies stay in
     * the log), the ledgers and origins of the messages that have them, queues and their metadata,
     * and the request-id window. O(1).
     */
    public long liveBytesEstimate() {
        // The request-id window counts: at 100,000 entries it can outweigh every queue together, and
        // leaving it out made a drained slot checkpoint megabytes every megabyte of log.
        return 64 + requestIds.snapshotBytes() + 20L * usage.messages + 128L * usage.queues + usage.metadataBytes
                + usage.notesSnapshotBytes;
    }

    /** Approximate heap held by indexes and columns, bodies excluded (for the memory benchmark). */
    public long overheadBytes() {
        long bytes = 0;
        for (TreeMap<String, QueueState> queues : projects.values()) {
            for (QueueState q : queues.values()) {
                bytes += q.overheadBytes();
            }
        }
        return bytes;
    }

    /** The state of a message as of the slot's clock, for tests and invariant checks. */
    public MessageState messageState(String project, String queue, long seq) {
        QueueState q = find(project, queue);
        long i = q == null ? -1 : q.messages.indexOf(seq);
        if (i < 0) {
            return null;
        }
        return q.isDelayed(i) ? MessageState.DELAYED : q.isClaimed(i) ? MessageState.CLAIMED
                : q.isMoving(i) ? MessageState.MOVING : MessageState.FREE;
    }

    /** The slot's totals counted afresh by walking every queue (for invariant checks of {@link #usage}). */
    public long[] recountUsage() {
        long messages = 0;
        long bytes = 0;
        long queues = 0;
        long metadata = 0;
        for (TreeMap<String, QueueState> byName : projects.values()) {
            for (QueueState q : byName.values()) {
                messages += q.live();
                bytes += q.messages.liveBodyBytes();
                queues++;
                metadata += q.metadata().length;
            }
        }
        return new long[] {messages, bytes, queues, metadata};
    }

    /**
     * What the messages' ledgers and origins cost, counted afresh and as the running tallies have
     * them (for invariant checks): ledger heap, origin heap and their snapshot bytes, each as
     * (fresh count, tally).
     */
    public long[] noteBytes() {
        long[] fresh = new long[3];
        for (TreeMap<String, QueueState> byName : projects.values()) {
            for (QueueState q : byName.values()) {
                long[] n = q.noteBytes();
                for (int k = 0; k < 3; k++) {
                    fresh[k] += n[k];
                }
            }
        }
        return new long[] {fresh[0], usage.ledgerBytes, fresh[1], usage.originBytes, fresh[2], usage.notesSnapshotBytes};
    }

    /**
     * Each project's messages, body bytes and queues counted afresh by walking its queues, for
     * invariant checks of {@link #usageOf}: project -> {messages, bytes, queues}.
     */
    public Map<String, List<Long>> recountProjectUsage() {
        Map<String, List<Long>> out = new TreeMap<>();
        projects.forEach((project, byName) -> {
            long messages = 0;
            long bytes = 0;
            for (QueueState q : byName.values()) {
                messages += q.live();
                bytes += q.messages.liveBodyBytes();
            }
            out.put(project, List.of(messages, bytes, (long) byName.size()));
        });
        return out;
    }

    /** {@link #recountProjectUsage()} as the running tallies have it. */
    public Map<String, List<Long>> projectUsageTallies() {
        Map<String, List<Long>> out = new TreeMap<>();
        projectUsage.forEach((p, u) -> out.put(p, List.of(u.messages, u.bodyBytes, (long) u.queues)));
        return out;
    }

    /** The sequences of the live messages a valid claim holds, for invariant checks. */
    public long[] heldBy(String project, String queue, long claimSeq) {
        QueueState q = find(project, queue);
        Claim c = q == null ? null : q.claims.get(claimSeq);
        return q == null ? new long[0] : q.heldSeqs(c);
    }

    // ---------------------------------------------------------------- snapshots

    TreeMap<String, TreeMap<String, QueueState>> projects() {
        return projects;
    }

    RequestIdWindows requestIds() {
        return requestIds;
    }

    void restoreHeader(long nextSeq, long time, long openedAt) {
        this.nextSeq = nextSeq;
        this.time = time;
        this.openedAt = openedAt;
    }

    long openedAt() {
        return openedAt;
    }
}
