package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random command sequences against one slot, with the invariants checked after every step:
 * no message is in two valid claims; every message is exactly one of free / claimed / deleted /
 * expired, and moves only along legal transitions; a deleted message never reappears; replaying
 * the records (and restoring a snapshot taken midway) gives the same state; a snapshot captured
 * midway and written later (as the broker writes it, on another thread while the slot goes on)
 * holds the state of the moment it was captured. Every live message's attempt count equals the
 * claims it received, and its ledger says how each ended, as the model of its claims predicts.
 * Queues may send messages claimed too often to the other queue, and back (redrive), with the
 * test playing the broker's mover (copies delivered twice, moves left unfinished for a while): a
 * message is never claimed more often than its queue allows, and never live in both queues.
 */
class SlotStateMachineProperties {
    private static final String P = "p";
    private static final String[] QUEUES = {"a", "b"};
    private static final UUID[] CLIENTS = {new UUID(0, 1), new UUID(0, 2)};

    enum Kind { POST, CLAIM, CLAIM_EACH, ACK, DELETE_WITH_CLAIM, DELETE_WITHOUT_CLAIM, BULK_DELETE, RELEASE, RENEW, ADVANCE, LIST,
        DELETE_QUEUE, CREATE_QUEUE, SET_METADATA, SNAPSHOT_RESTORE, CAPTURE, RAISE_SEQ_FLOOR, RELEASE_TO_RETRY,
        STREAM_CLOSED, OPEN_SLOT, MOVE, REDRIVE, PURGE }

    record Step(Kind kind, int a, int b, int c) {}

    @Provide
    Arbitrary<Step> steps() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(20, Kind.POST), net.jqwik.api.Tuple.of(15, Kind.CLAIM),
                net.jqwik.api.Tuple.of(6, Kind.CLAIM_EACH), net.jqwik.api.Tuple.of(6, Kind.ACK),
                net.jqwik.api.Tuple.of(10, Kind.DELETE_WITH_CLAIM), net.jqwik.api.Tuple.of(4, Kind.DELETE_WITHOUT_CLAIM),
                net.jqwik.api.Tuple.of(3, Kind.BULK_DELETE), net.jqwik.api.Tuple.of(5, Kind.RELEASE),
                net.jqwik.api.Tuple.of(5, Kind.RENEW), net.jqwik.api.Tuple.of(12, Kind.ADVANCE),
                net.jqwik.api.Tuple.of(4, Kind.LIST), net.jqwik.api.Tuple.of(1, Kind.DELETE_QUEUE),
                net.jqwik.api.Tuple.of(2, Kind.CREATE_QUEUE), net.jqwik.api.Tuple.of(6, Kind.SET_METADATA),
                net.jqwik.api.Tuple.of(2, Kind.SNAPSHOT_RESTORE), net.jqwik.api.Tuple.of(3, Kind.CAPTURE),
                net.jqwik.api.Tuple.of(1, Kind.RAISE_SEQ_FLOOR), net.jqwik.api.Tuple.of(4, Kind.RELEASE_TO_RETRY),
                net.jqwik.api.Tuple.of(3, Kind.STREAM_CLOSED), net.jqwik.api.Tuple.of(2, Kind.OPEN_SLOT),
                net.jqwik.api.Tuple.of(6, Kind.MOVE), net.jqwik.api.Tuple.of(3, Kind.REDRIVE),
                net.jqwik.api.Tuple.of(2, Kind.PURGE));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000)).as(Step::new);
    }

    /** Steps weighted towards what dead letters need: messages claimed, given back, claimed again, moved and redriven. */
    @Provide
    Arbitrary<Step> deadLetterSteps() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(10, Kind.POST), net.jqwik.api.Tuple.of(15, Kind.CLAIM),
                net.jqwik.api.Tuple.of(10, Kind.CLAIM_EACH), net.jqwik.api.Tuple.of(4, Kind.ACK),
                net.jqwik.api.Tuple.of(8, Kind.RELEASE), net.jqwik.api.Tuple.of(4, Kind.RELEASE_TO_RETRY),
                net.jqwik.api.Tuple.of(6, Kind.ADVANCE), net.jqwik.api.Tuple.of(8, Kind.MOVE),
                net.jqwik.api.Tuple.of(4, Kind.REDRIVE), net.jqwik.api.Tuple.of(2, Kind.SET_METADATA),
                net.jqwik.api.Tuple.of(2, Kind.BULK_DELETE), net.jqwik.api.Tuple.of(2, Kind.SNAPSHOT_RESTORE),
                net.jqwik.api.Tuple.of(2, Kind.CAPTURE), net.jqwik.api.Tuple.of(1, Kind.DELETE_QUEUE));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000)).as(Step::new);
    }

    @Property(tries = 200)
    void deadLettersHoldTheInvariantsToo(
            @ForAll @Size(min = 60, max = 200) List<@net.jqwik.api.From("deadLetterSteps") Step> steps) {
        // Two claims allowed: claims of several messages mix spent ones with others.
        play(steps, 2);
    }

    @Property(tries = 300)
    void invariantsHoldAfterEveryStep(@ForAll @Size(min = 1, max = 150) List<@net.jqwik.api.From("steps") Step> steps) {
        play(steps, 1);
    }

    private static void play(List<Step> steps, int firstQueueMaxClaims) {
        Run run = new Run(firstQueueMaxClaims);
        for (Step step : steps) {
            run.apply(step);
            run.checkInvariants();
        }
        run.checkReplay();
    }

    /** One run: the slot, the records it wrote, and what the test knows about every message. */
    static final class Run {
        SlotStateMachine sm = new SlotStateMachine(3, SlotLimits.v1());
        final List<byte[]> log = new ArrayList<>();
        long now = 1_000_000L;
        final Map<Long, String> queueOf = new HashMap<>();
        final Map<Long, MessageState> last = new HashMap<>();
        /** When each message posted with a delay falls due. */
        final Map<Long, Long> dueAt = new HashMap<>();
        final Set<Long> deleted = new HashSet<>();
        final Map<Long, String> claims = new HashMap<>();
        /** The model: what each claim was given and until when it is valid, kept apart from the slot's own bookkeeping. */
        final Map<Long, ModelClaim> model = new HashMap<>();
        /** Snapshots captured and not yet written, with the bytes a snapshot written at capture time had. */
        final List<Map.Entry<SlotSnapshot.Image, byte[]>> captured = new ArrayList<>();

        /** Claims each message received. */
        final Map<Long, Integer> claimsReceived = new HashMap<>();
        /** Claims a message moved here had received before (in the queues it came from). */
        final Map<Long, Integer> attemptsBefore = new HashMap<>();
        /** Each message's body, unique to the post that made it (a moved copy has its original's). */
        final Map<Long, String> bodyOf = new HashMap<>();
        /** The claim limit each queue's dead-letter policy sets (absent: none). */
        final Map<String, Integer> maxClaims = new HashMap<>();
        int posted;
        /** When the slot recorded a new owner, in order. */
        final List<Long> openings = new ArrayList<>();

        static final class ModelClaim {
            final Set<Long> messages = new HashSet<>();
            long expiresAt;
            boolean released;
            long renewedAt;
            boolean extended;
            boolean streamClosed;
            String errorClass;

            /** How its attempts end if its lease runs out (see AttemptOutcome). */
            AttemptOutcome expiry(List<Long> openings) {
                for (long t : openings) {
                    if (t > renewedAt && t < expiresAt) {
                        return AttemptOutcome.SLOT_MOVED;
                    }
                }
                return streamClosed ? AttemptOutcome.STREAM_CLOSED
                        : extended ? AttemptOutcome.LEASE_EXPIRED_AFTER_EXTENSIONS : AttemptOutcome.LEASE_EXPIRED_SILENT;
            }
        }

        /** Whether message {@code m} of {@code q} has been claimed as often as its queue allows, since it came there. */
        boolean overLimit(String q, long m) {
            Integer max = maxClaims.get(q);
            return max != null && claimsReceived.getOrDefault(m, 0) >= max;
        }

        /**
         * Plays the broker's mover: copies every message being moved to its target queue (twice,
         * if {@code twice}: a retried copy), then, if {@code finish}, deletes the originals.
         */
        void move(boolean twice, boolean finish) {
            for (Views.MoveBatch b : run(new SlotCommand.PendingMoves(1_000))) {
                List<MovedMessage> copies = new ArrayList<>();
                Map<String, Integer> endedByBody = new HashMap<>();
                for (Views.MovingMessage m : b.messages()) {
                    copies.add(new MovedMessage(m.ttlSeconds(), m.bodyRef().bytes(), m.origin(), m.ended(), m.recent()));
                    endedByBody.put(new String(m.bodyRef().bytes(), StandardCharsets.UTF_8), m.ended());
                    assertThat(m.ended()).isEqualTo(attemptsBefore.getOrDefault(m.seq(), 0) + claimsReceived.getOrDefault(m.seq(), 0));
                }
                String requestId = "move-" + sm.slot() + "-" + b.holdSeq();
                if (!copies.isEmpty()) {
                    for (int k = 0; k < (twice ? 2 : 1); k++) {
                        run(new SlotCommand.AcceptMoved(P, b.move().queue(), requestId, copies));
                    }
                    learnNewMessages(b.move().queue(), endedByBody);
                }
                if (finish) {
                    List<Long> held = new ArrayList<>();
                    for (Views.MovingMessage m : b.messages()) {
                        held.add(m.seq());
                    }
                    run(new SlotCommand.FinishMove(P, b.queue(), b.holdSeq()));
                    for (long m : held) {
                        if (sm.messageState(P, b.queue(), m) == null) {
                            deleted.add(m); // gone from its queue: moved away
                        }
                    }
                }
            }
        }

        /** Registers the messages of {@code q} the model does not know yet: copies just moved there. */
        void learnNewMessages(String q, Map<String, Integer> endedByBody) {
            long marker = -1;
            while (true) {
                Views.MessagePage page = run(new SlotCommand.ListMessages(P, q, CLIENTS[0], marker, 20, true, true, true));
                for (Views.MessageView m : page.messages()) {
                    if (!queueOf.containsKey(m.seq())) {
                        String body = new String(m.body(), StandardCharsets.UTF_8);
                        assertThat(endedByBody).as("message %d of %s came from a move", m.seq(), q).containsKey(body);
                        queueOf.put(m.seq(), q);
                        bodyOf.put(m.seq(), body);
                        last.put(m.seq(), MessageState.FREE);
                        dueAt.put(m.seq(), now);
                        attemptsBefore.put(m.seq(), endedByBody.get(body));
                    }
                }
                if (page.messages().isEmpty()) {
                    return;
                }
                marker = page.nextMarker();
            }
        }

        void claimed(Views.ClaimView c, long ttlSeconds) {
            ModelClaim mc = new ModelClaim();
            c.messages().forEach(m -> {
                mc.messages.add(m.seq());
                claimsReceived.merge(m.seq(), 1, Integer::sum);
            });
            mc.expiresAt = now + 1000L * ttlSeconds;
            mc.renewedAt = now;
            model.put(c.claimSeq(), mc);
        }

        Run(int firstQueueMaxClaims) {
            for (String q : QUEUES) {
                run(new SlotCommand.CreateQueue(P, q));
            }
            // The first queue starts by dead-lettering into the second after so many claims; the second has no policy.
            run(new SlotCommand.SetMetadata(P, QUEUES[0], ("{\"_max_claim_count\":" + firstQueueMaxClaims + ",\"_dead_letter_queue\":\""
                    + QUEUES[1] + "\"}").getBytes(StandardCharsets.UTF_8)));
            maxClaims.put(QUEUES[0], firstQueueMaxClaims);
        }

        <R> R run(SlotCommand<R> command) {
            return SlotFixture.run(sm, command, now, log);
        }

        /**
         * Model: the messages a release of a claim of {@code q} holding {@code held} moves to the
         * dead-letter queue at once: all of them if the worker gave up and the queue has one; else
         * those whose claim now ending is the last the queue allows, when all are (or nothing waits).
         */
        Set<Long> movedOnRelease(String q, long[] held, long delay, boolean giveUp) {
            Set<Long> spent = new HashSet<>();
            for (long m : held) {
                if (maxClaims.containsKey(q) && (giveUp || overLimit(q, m))) {
                    spent.add(m);
                }
            }
            return delay > 0 && spent.size() < held.length ? Set.of() : spent;
        }

        /** Checks a release's messages: moved ones on their way, the others free or waiting {@code delay} ms. */
        void checkReleased(String q, long[] held, Set<Long> moved, long delay) {
            for (long m : held) {
                assertThat(sm.messageState(P, q, m)).as("message %d released", m).isEqualTo(moved.contains(m) ? MessageState.MOVING
                        : delay > 0 ? MessageState.DELAYED : MessageState.FREE);
            }

        }

        /** Model: claim {@code claim}, holding {@code held}, was released to wait {@code delay} ms. */
        private void releasedToRetry(long claim, String error, long[] held, long delay) {
            ModelClaim mc = model.get(claim);
            mc.released = true;
            mc.errorClass = error;
            for (long m : held) {
                dueAt.put(m, now + delay);
            }
        }

        private Long pick(List<Long> from, int index) {
            return from.isEmpty() ? null : from.get(index % from.size());
        }

        /** The free messages of queue {@code q} as of now, oldest first (from the slot's own answers). */
        List<Long> freeIn(String q) {
            sm.advanceTo(now);
            List<Long> out = new ArrayList<>();
            for (Map.Entry<Long, String> e : new java.util.TreeMap<>(queueOf).entrySet()) {
                if (e.getValue().equals(q) && sm.messageState(P, q, e.getKey()) == MessageState.FREE) {
                    out.add(e.getKey());
                }
            }
            return out;
        }

        void apply(Step s) {
            String q = QUEUES[s.a() % QUEUES.length];
            try {
                switch (s.kind()) {
                    case POST -> {
                        List<NewMessage> batch = new ArrayList<>();
                        int[] delays = new int[1 + s.b() % 3];
                        for (int i = 0; i < delays.length; i++) {
                            // A third of the posts delay some of their messages, by up to 90 s.
                            delays[i] = s.c() % 3 == 0 && (s.b() + i) % 2 == 0 ? (s.c() + 17 * i) % 91 : 0;
                            batch.add(new NewMessage(60 + s.c() % 240, ("[" + posted++ + "]").getBytes(StandardCharsets.UTF_8), delays[i]));
                        }
                        String requestId = s.c() % 5 == 0 ? "r" + (s.b() % 4) : null;
                        Views.PublishResult r = run(new SlotCommand.Publish(P, q, CLIENTS[s.b() % 2], requestId, batch));
                        if (!r.duplicate()) {
                            for (int i = 0; i < r.seqs().size(); i++) {
                                long seq = r.seqs().get(i);
                                queueOf.put(seq, q);
                                bodyOf.put(seq, new String(batch.get(i).body(), StandardCharsets.UTF_8));
                                last.put(seq, delays[i] > 0 ? MessageState.DELAYED : MessageState.FREE);
                                dueAt.put(seq, now + 1000L * delays[i]);
                            }
                        }
                    }
                    case CLAIM -> {
                        int limit = 1 + s.b() % 5;
                        List<Long> free = freeIn(q);
                        // A claim takes the oldest free messages, each once, as many as it may; those
                        // claimed as often as their queue allows, met on the way, are moved instead.
                        List<Long> expected = new ArrayList<>();
                        List<Long> moved = new ArrayList<>();
                        for (long m : free) {
                            if (expected.size() == limit) {
                                break;
                            }
                            (overLimit(q, m) ? moved : expected).add(m);
                        }
                        Views.ClaimView c = run(new SlotCommand.CreateClaim(P, q, limit, 60 + s.c() % 60, 60 + s.c() % 90));
                        assertThat(c.messages()).extracting(Views.MessageView::seq).containsExactlyElementsOf(expected);
                        for (long m : moved) {
                            assertThat(sm.messageState(P, q, m)).as("message %d over its claim limit", m).isEqualTo(MessageState.MOVING);
                        }
                        c.messages().forEach(m -> assertThat(dueAt.get(m.seq())).as("message %d claimed before due", m.seq())
                                .isLessThanOrEqualTo(now));
                        if (c.claimSeq() != 0) {
                            claims.put(c.claimSeq(), q);
                            claimed(c, 60 + s.c() % 60);
                        }
                    }
                    case CLAIM_EACH -> {
                        long ttl = 60 + s.c() % 60;
                        Map<Long, Boolean> over = new HashMap<>();
                        freeIn(q).forEach(m -> over.put(m, overLimit(q, m)));
                        for (Views.ClaimView c : run(new SlotCommand.ClaimEach(P, q, 1 + s.b() % 6, ttl, 60 + s.c() % 90))) {
                            c.messages().forEach(m -> assertThat(over.get(m.seq())).as("message %d claimed past its limit", m.seq())
                                    .isFalse());
                            c.messages().forEach(m -> assertThat(dueAt.get(m.seq())).as("message %d claimed before due", m.seq())
                                    .isLessThanOrEqualTo(now));
                            claims.put(c.claimSeq(), q);
                            claimed(c, ttl);
                        }
                    }
                    case ACK -> {
                        // A streaming worker's ack batch: some claims still hold their message, some
                        // lost it (expired and re-claimed, released), some messages are gone.
                        List<Long> known = new ArrayList<>(claims.keySet());
                        int n = 1 + s.c() % 4;
                        long[] seqs = new long[n];
                        long[] claimSeqs = new long[n];
                        for (int i = 0; i < n && !known.isEmpty(); i++) {
                            long claim = known.get((s.b() + 7 * i) % known.size());
                            long[] held = sm.heldBy(P, claims.get(claim), claim);
                            ModelClaim mc = model.get(claim);
                            claimSeqs[i] = claim;
                            seqs[i] = held.length > 0 ? held[0] : mc.messages.stream().findFirst().orElse(0L);
                        }
                        if (!known.isEmpty()) {
                            String aq = claims.get(claimSeqs[0]);
                            java.util.Set<Long> before = new java.util.HashSet<>();
                            for (long m : seqs) {
                                if (sm.messageState(P, aq, m) != null) {
                                    before.add(m);
                                }
                            }
                            sm.advanceTo(now);
                            Map<Long, Long> holderBefore = new HashMap<>();
                            for (long claim : known) {
                                if (claims.get(claim).equals(aq)) {
                                    for (long m : sm.heldBy(P, aq, claim)) {
                                        holderBefore.put(m, claim);
                                    }
                                }
                            }
                            run(new SlotCommand.AckMessages(P, aq, seqs, claimSeqs));
                            for (long m : before) {
                                if (sm.messageState(P, aq, m) == null) {
                                    deleted.add(m);
                                }
                            }
                            // An ack deletes what its own claim holds, never what another valid claim holds.
                            for (int i = 0; i < n; i++) {
                                Long holder = holderBefore.get(seqs[i]);
                                if (holder == null) {
                                    continue;
                                }
                                boolean ackedByHolder = false;
                                for (int j = 0; j < n; j++) {
                                    ackedByHolder |= seqs[j] == seqs[i] && claimSeqs[j] == holder;
                                }
                                assertThat(sm.messageState(P, aq, seqs[i]) == null).as("message %d acked under %d, held by %d",
                                        seqs[i], claimSeqs[i], holder).isEqualTo(ackedByHolder);
                            }
                        }
                    }
                    case DELETE_WITH_CLAIM -> {
                        Long claim = pick(new ArrayList<>(claims.keySet()), s.b());
                        if (claim != null) {
                            long[] held = sm.heldBy(P, claims.get(claim), claim);
                            if (held.length > 0) {
                                long msg = held[s.c() % held.length];
                                if (run(new SlotCommand.DeleteMessage(P, claims.get(claim), msg, claim))) {
                                    deleted.add(msg);
                                }
                            }
                        }
                    }
                    case DELETE_WITHOUT_CLAIM -> {
                        Long msg = pick(new ArrayList<>(queueOf.keySet()), s.b());
                        if (msg != null && run(new SlotCommand.DeleteMessage(P, queueOf.get(msg), msg, 0))) {
                            deleted.add(msg);
                        }
                    }
                    case BULK_DELETE -> {
                        List<Long> all = new ArrayList<>(queueOf.keySet());
                        Long msg = pick(all, s.b());
                        if (msg != null) {
                            String mq = queueOf.get(msg);
                            boolean live = sm.messageState(P, mq, msg) != null;
                            run(new SlotCommand.DeleteMessages(P, mq, new long[] {msg}));
                            if (live) {
                                deleted.add(msg);
                            }
                        }
                    }
                    case PURGE -> {
                        // Up to a message of a queue, at most a few: exactly the oldest live ones up to it go.
                        Long upTo = pick(new ArrayList<>(queueOf.keySet()), s.b());
                        if (upTo != null) {
                            String mq = queueOf.get(upTo);
                            int limit = 1 + s.c() % 4;
                            List<Long> due = queueOf.entrySet().stream()
                                    .filter(e -> e.getValue().equals(mq) && e.getKey() <= upTo && sm.messageState(P, mq, e.getKey()) != null)
                                    .map(Map.Entry::getKey).sorted().limit(limit).toList();
                            Views.PurgeResult r = run(new SlotCommand.PurgeMessages(P, mq, upTo, limit));
                            assertThat(r.deleted()).isEqualTo(due.size());
                            for (long m : due) {
                                assertThat(sm.messageState(P, mq, m)).isNull();
                            }
                            deleted.addAll(due);
                        }
                    }
                    case RELEASE -> {
                        Long claim = pick(new ArrayList<>(claims.keySet()), s.b());
                        if (claim != null) {
                            String cq = claims.get(claim);
                            sm.advanceTo(now);
                            long[] held = sm.heldBy(P, cq, claim);
                            Set<Long> moved = movedOnRelease(cq, held, 0, false);
                            if (run(new SlotCommand.ReleaseClaim(P, cq, claim))) {
                                model.get(claim).released = true;
                                checkReleased(cq, held, moved, 0);
                            }
                        }
                    }
                    case RENEW -> {
                        Long claim = pick(new ArrayList<>(claims.keySet()), s.b());
                        if (claim != null) {
                            run(new SlotCommand.UpdateClaim(P, claims.get(claim), claim, 60 + s.c() % 60, s.c() % 30));
                            ModelClaim mc = model.get(claim);
                            mc.expiresAt = now + 1000L * (60 + s.c() % 60);
                            mc.renewedAt = now;
                            mc.extended = true;
                            mc.streamClosed = false;
                        }
                    }
                    case RELEASE_TO_RETRY -> {
                        Long claim = pick(new ArrayList<>(claims.keySet()), s.b());
                        if (claim != null) {
                            String cq = claims.get(claim);
                            long delay = 1 + s.c() * 97L; // up to about 97 s, to the millisecond
                            String error = "E" + s.c();
                            if (s.c() % 2 == 0) {
                                long[] held = sm.heldBy(P, cq, claim);
                                Set<Long> moved = movedOnRelease(cq, held, delay, false);
                                if (run(new SlotCommand.ReleaseClaim(P, cq, claim, delay, error, "failed " + s.b()))) {
                                    releasedToRetry(claim, error, held, moved.isEmpty() ? delay : 0);
                                    checkReleased(cq, held, moved, delay);
                                }
                            } else {
                                // As a worker's batch: with the other claims of the queue, some already ended.
                                List<Long> batch = new ArrayList<>();
                                claims.forEach((c, cqOf) -> {
                                    if (cqOf.equals(cq) && batch.size() < 3) {
                                        batch.add(c);
                                    }
                                });
                                sm.advanceTo(now);
                                Map<Long, long[]> held = new HashMap<>();
                                List<SlotCommand.ReleaseClaims.Release> each = new ArrayList<>();
                                // Some batches give up: to the dead-letter queue at once where the queue has one.
                                boolean giveUp = s.b() % 3 == 0;
                                Map<Long, Set<Long>> moved = new HashMap<>();
                                for (long c : batch) {
                                    held.put(c, sm.heldBy(P, cq, c));
                                    moved.put(c, movedOnRelease(cq, held.get(c), delay, giveUp));
                                    each.add(new SlotCommand.ReleaseClaims.Release(c, delay, error, "failed " + s.b(), giveUp));
                                }
                                int refused = run(new SlotCommand.ReleaseClaims(P, cq, each));
                                int released = 0;
                                for (long c : batch) {
                                    if (held.get(c).length > 0 && sm.heldBy(P, cq, c).length == 0) {
                                        releasedToRetry(c, error, held.get(c), moved.get(c).isEmpty() ? delay : 0);
                                        checkReleased(cq, held.get(c), moved.get(c), delay);
                                        released++;
                                    }
                                }
                                assertThat(refused).as("releases refused in a batch of %d", batch.size())
                                        .isEqualTo(batch.size() - released);
                            }
                        }
                    }
                    case STREAM_CLOSED -> {
                        Long claim = pick(new ArrayList<>(claims.keySet()), s.b());
                        if (claim != null && run(new SlotCommand.MarkStreamClosed(P, claims.get(claim), new long[] {claim}))) {
                            model.get(claim).streamClosed = true;
                        }
                    }
                    case OPEN_SLOT -> {
                        if (run(new SlotCommand.OpenSlot())) {
                            openings.add(now);
                        }
                    }
                    case ADVANCE -> now += 1_000L * (1 + s.b() % 120);
                    case LIST -> run(new SlotCommand.ListMessages(P, q, CLIENTS[s.b() % 2], -1, 20, s.c() % 2 == 0, s.c() % 3 == 0));
                    case DELETE_QUEUE -> {
                        if (run(new SlotCommand.DeleteQueue(P, q))) {
                            maxClaims.remove(q); // a queue made again (CREATE_QUEUE, or a move into it) has no policy
                            queueOf.forEach((seq, mq) -> {
                                if (mq.equals(q) && last.get(seq) != null && last.get(seq) != MessageState.EXPIRED) {
                                    deleted.add(seq);
                                }
                            });
                        }
                    }
                    case CREATE_QUEUE -> {
                        if (run(new SlotCommand.CreateQueue(P, q))) {
                            maxClaims.remove(q);
                        }
                    }
                    case SET_METADATA -> {
                        // Mostly a dead-letter policy: to the other queue, after 1-3 claims.
                        String other = q.equals(QUEUES[0]) ? QUEUES[1] : QUEUES[0];
                        int max = 1 + s.c() % 3;
                        boolean policy = s.b() % 4 != 0;
                        String json = policy
                                ? "{\"_max_claim_count\":" + max + ",\"_dead_letter_queue\":\"" + other + "\",\"v\":\"" + "v".repeat(s.b() % 9) + "\"}"
                                : "{\"k\":\"" + "v".repeat(s.b() % 50) + "\"}";
                        if (run(new SlotCommand.SetMetadata(P, q, json.getBytes(StandardCharsets.UTF_8)))) {
                            if (policy) {
                                maxClaims.put(q, max);
                            } else {
                                maxClaims.remove(q);
                            }
                        }
                    }
                    case MOVE -> move(s.b() % 3 == 0, s.c() % 4 != 0);
                    case REDRIVE -> run(new SlotCommand.Redrive(P, q, new long[0], 1 + s.b() % 5));
                    case SNAPSHOT_RESTORE -> sm = SlotFixture.restore(SlotFixture.snapshot(sm), sm.limits());
                    case RAISE_SEQ_FLOOR -> {
                        long floor = sm.nextSeq() + s.b() - 500;
                        run(new SlotCommand.RaiseSeqFloor(floor));
                        assertThat(sm.nextSeq()).isGreaterThanOrEqualTo(floor);
                    }
                    case CAPTURE -> {
                        captured.add(Map.entry(SlotSnapshot.capture(sm), SlotFixture.snapshot(sm)));
                        if (captured.size() > 3) {
                            captured.remove(0);
                        }
                    }
                }
            } catch (SlotException refused) {
                // Refusals are legal outcomes; invariants are checked all the same.
            }
        }

        void checkInvariants() {
            for (Map.Entry<SlotSnapshot.Image, byte[]> c : captured) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                try {
                    c.getKey().writeTo(new java.io.DataOutputStream(bytes), SlotSnapshot.LiveBodies.NONE);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                assertThat(bytes.toByteArray()).as("a captured snapshot written later").isEqualTo(c.getValue());
            }
            sm.advanceTo(now);
            // The running totals the broker's memory accounting reads equal a fresh count.
            SlotUsage u = sm.usage();
            assertThat(new long[] {u.messages, u.bodyBytes, u.queues, u.metadataBytes}).as("usage")
                    .containsExactly(sm.recountUsage());
            assertThat(sm.projectUsageTallies()).as("usage by project").isEqualTo(sm.recountProjectUsage());
            long[] notes = sm.noteBytes();
            assertThat(notes[1]).as("ledger heap tally").isEqualTo(notes[0]);
            assertThat(notes[3]).as("origin heap tally").isEqualTo(notes[2]);
            assertThat(notes[5]).as("ledger and origin snapshot bytes tally").isEqualTo(notes[4]);
            // The model's view: a claim is valid until its expiry unless released; no live message may
            // be in two valid claims at once, and the slot must agree on who holds it.
            Map<Long, Long> modelHolder = new HashMap<>();
            for (Map.Entry<Long, ModelClaim> e : model.entrySet()) {
                ModelClaim mc = e.getValue();
                if (mc.released || mc.expiresAt <= now) {
                    continue;
                }
                for (long m : mc.messages) {
                    if (sm.messageState(P, queueOf.get(m), m) == null) {
                        continue;
                    }
                    Long other = modelHolder.put(m, e.getKey());
                    assertThat(other).as("message %d given to valid claims %d and %d", m, other, e.getKey()).isNull();
                    assertThat(sm.messageState(P, queueOf.get(m), m)).as("message %d under valid claim", m)
                            .isEqualTo(MessageState.CLAIMED);
                }
            }
            // No message is held by two valid claims; every held message is CLAIMED.
            Map<Long, Long> holder = new HashMap<>();
            for (Map.Entry<Long, String> c : claims.entrySet()) {
                for (long m : sm.heldBy(P, c.getValue(), c.getKey())) {
                    Long previous = holder.put(m, c.getKey());
                    assertThat(previous).as("message %d held by claims %d and %d", m, previous, c.getKey()).isNull();
                }
            }
            // Every message is live (and not on its way elsewhere) in at most one place.
            Map<String, String> settled = new HashMap<>();
            for (Map.Entry<Long, String> e : queueOf.entrySet()) {
                long seq = e.getKey();
                MessageState now = sm.messageState(P, e.getValue(), seq);
                MessageState before = last.get(seq);
                if (now == null) {
                    now = deleted.contains(seq) ? MessageState.DELETED : MessageState.EXPIRED;
                    if (before == MessageState.DELETED || before == MessageState.EXPIRED) {
                        now = before;
                    }
                } else {
                    assertThat(before).as("message %d came back after %s", seq, before)
                            .isNotIn(MessageState.DELETED, MessageState.EXPIRED);
                    assertThat(now == MessageState.CLAIMED).as("message %d claimed iff held", seq).isEqualTo(holder.containsKey(seq));
                    assertThat(now == MessageState.DELAYED).as("message %d delayed iff not yet due", seq)
                            .isEqualTo(this.now < dueAt.get(seq));
                }
                assertThat(before.canBecome(now)).as("message %d: %s -> %s", seq, before, now).isTrue();
                last.put(seq, now);
                if (now != MessageState.DELETED && now != MessageState.EXPIRED && now != MessageState.MOVING) {
                    String other = settled.put(bodyOf.get(seq), e.getValue() + "/" + seq);
                    assertThat(other).as("message %s live in two places", bodyOf.get(seq)).isNull();
                }
                if (now != MessageState.DELETED && now != MessageState.EXPIRED) {
                    checkLedger(e.getValue(), seq, now);
                }
            }
        }

        /** The attempts of a live message: as many as the claims it received, each ended as its claim's model says. */
        void checkLedger(String q, long seq, MessageState state) {
            Views.MessageView v = run(new SlotCommand.GetMessage(P, q, seq));
            int before = attemptsBefore.getOrDefault(seq, 0);
            int received = claimsReceived.getOrDefault(seq, 0) + before;
            assertThat(v.attempts()).as("attempts of message %d", seq).isEqualTo(received);
            List<Attempt> ledger = v.ledger();
            assertThat(ledger.size()).as("ledger of message %d", seq).isEqualTo(Math.min(received,
                    Ledger.KEPT + (state == MessageState.CLAIMED ? 1 : 0)));
            for (int k = 0; k < ledger.size(); k++) {
                Attempt a = ledger.get(k);
                assertThat(a.number()).isEqualTo(received - ledger.size() + 1 + k);
                boolean running = state == MessageState.CLAIMED && k == ledger.size() - 1;
                assertThat(a.outcome() == AttemptOutcome.RUNNING).as("attempt %s of %d running", a, seq).isEqualTo(running);
                if (a.number() <= before) {
                    continue; // made in the queue it came from, under another sequence number
                }
                ModelClaim mc = model.get(a.claimSeq());
                assertThat(mc).as("attempt %s of %d under a claim the model made", a, seq).isNotNull();
                assertThat(mc.messages).contains(seq);
                if (!running) {
                    AttemptOutcome expected = mc.released ? AttemptOutcome.RELEASED : mc.expiry(openings);
                    assertThat(a.outcome()).as("how attempt %s of message %d ended", a, seq).isEqualTo(expected);
                    assertThat(a.errorClass()).isEqualTo(mc.released ? mc.errorClass : null);
                }
            }
        }

        void checkReplay() {
            SlotStateMachine replayed = new SlotStateMachine(sm.slot(), sm.limits());
            SlotFixture.replay(replayed, log);
            replayed.advanceTo(now);
            sm.advanceTo(now);
            assertThat(SlotFixture.snapshot(replayed)).isEqualTo(SlotFixture.snapshot(sm));
        }
    }
}
