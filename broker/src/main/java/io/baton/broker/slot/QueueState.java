package io.baton.broker.slot;

import io.baton.broker.slot.Views.MessageView;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One queue inside a slot: its metadata, messages, claims and the indexes that keep claiming
 * O(log n) whatever the backlog.
 *
 * <p>Finding the oldest free message. Messages that were never claimed sit at or after
 * {@link #cursor}: a claim takes them in order and moves the cursor past them. A message that was
 * claimed and came back (its claim expired or was released), or a delayed one that fell due, is
 * pushed on {@link #returned} if its sequence is below the cursor. So the oldest free message is
 * the smallest valid entry of {@code returned}, or else the first free entry at or after the
 * cursor. Invariant: every free live message with a sequence below the cursor has an entry in
 * {@code returned} (which may also hold stale entries: those are skipped and dropped when met), and
 * none at or after it has one that is valid.
 */
final class QueueState {
    static final byte[] EMPTY_METADATA = "{}".getBytes(StandardCharsets.UTF_8);

    final String project;
    final String name;
    private byte[] metadata = EMPTY_METADATA;
    /** The slot's totals and its project's in the slot, kept current by this queue. */
    private final SlotUsage usage;
    private final ProjectUsage projectUsage;
    private final SlotCounters counters;
    /** The slot this queue lives in (attempts name their claims by slot and sequence). */
    private final int slot;
    private final Interner interner;

    final MessageTable messages = new MessageTable();
    final ClaimTable claims = new ClaimTable();
    /** (sequence, 0) of messages given back by claims. */
    private final LongHeap returned = new LongHeap();
    private long cursor;
    /** Live messages held by a valid claim (delay holds excluded). */
    private long claimed;
    /** Live messages held by a delay hold: not yet due. */
    private long delayed;
    /** Live messages held by a move hold: being copied to another queue. */
    private long moving;
    /**
     * The live messages moved here, as their sequences where they came from, by the slot they came
     * from: a copy that arrives twice is taken once. (Each message's {@link Origin} itself is in its
     * message block.)
     */
    private final java.util.HashMap<Integer, LongMap<Boolean>> movedFrom = new java.util.HashMap<>();
    /** The policies the metadata sets (default delay, dead letters). */
    private QueuePolicy policy = QueuePolicy.NONE;

    QueueState(int slot, String project, String name, SlotUsage usage, ProjectUsage projectUsage, SlotCounters counters,
               Interner interner) {
        this.slot = slot;
        this.interner = interner;
        this.project = project;
        this.name = name;
        this.usage = usage;
        this.projectUsage = projectUsage;
        this.counters = counters;
        usage.queues++;
        usage.metadataBytes += metadata.length;
        projectUsage.queuesChanged(1);
    }

    /** {@code messages} messages of {@code bytes} body bytes in all came or went. */
    private void counted(long messages, long bytes) {
        usage.messages += messages;
        usage.bodyBytes += bytes;
        projectUsage.add(messages, bytes);
    }

    byte[] metadata() {
        return metadata;
    }

    void metadata(byte[] json) {
        usage.metadataBytes += json.length - metadata.length;
        metadata = json;
        policy = QueuePolicy.of(json);
    }

    QueuePolicy policy() {
        return policy;
    }

    /** The queue goes, and with it what it held. */
    void dropped() {
        usage.queues--;
        usage.metadataBytes -= metadata.length;
        counted(-messages.live(), -messages.liveBodyBytes());
        projectUsage.queuesChanged(-1);
        for (long p = messages.first(); p != messages.end(); p = messages.next(p)) {
            if (messages.isLive(p)) {
                forgetLedger(messages.ledger(p));
                forgetOrigin(messages.origin(p));
            }
        }
    }

    long live() {
        return messages.live();
    }

    long claimed() {
        return claimed;
    }

    long delayed() {
        return delayed;
    }

    long moving() {
        return moving;
    }

    /** Whether entry {@code i} cannot be claimed now: claimed, or not yet due. */
    boolean isHeld(long i) {
        return claims.isActive(messages.claim(i));
    }

    /** Whether entry {@code i} is held by a client's claim. */
    boolean isClaimed(long i) {
        Claim c = claims.get(messages.claim(i));
        return c != null && c.client();
    }

    /** Whether entry {@code i} is being moved to another queue. */
    boolean isMoving(long i) {
        Claim c = claims.get(messages.claim(i));
        return c != null && c.move != null;
    }

    /** Whether entry {@code i} is not yet due. */
    boolean isDelayed(long i) {
        Claim c = claims.get(messages.claim(i));
        return c != null && c.delay;
    }

    /** The client's claim {@code claimSeq}, or null (never a delay hold). */
    Claim clientClaim(long claimSeq) {
        Claim c = claimSeq <= 0 ? null : claims.get(claimSeq);
        return c == null || !c.client() ? null : c;
    }

    /** The messages {@code c} (null: none) still holds, oldest first. */
    long[] heldSeqs(Claim c) {
        if (c == null) {
            return new long[0];
        }
        long[] out = new long[c.messages.length];
        int n = 0;
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                out[n++] = s;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Of {@code held}, the messages a claim holds, those whose attempt, once the claim is released,
     * is the last their claim limit allows: the ones a claim would find over the limit and move
     * instead. Empty where the queue has no dead-letter queue.
     */
    long[] spentAmong(long[] held) {
        if (!policy.deadLetters()) {
            return new long[0];
        }
        long[] out = new long[held.length];
        int n = 0;
        for (long s : held) {
            long i = messages.indexOf(s);
            Ledger l = i < 0 ? null : messages.ledger(i);
            // A release ends the attempt as released: one more counted, no more silent.
            if (policy.overLimit((l == null ? 0 : l.counted()) + 1, l == null ? 0 : l.silent())) {
                out[n++] = s;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Holds messages just posted until {@code delaySeconds} after {@code time}, under the delay
     * hold {@code holdSeq}.
     */
    void hold(long holdSeq, long[] seqs, long time, int delaySeconds) {
        holdUntil(new Claim(holdSeq, seqs, time, delaySeconds, true));
    }

    /** Puts the live messages of the delay or move hold {@code c} under it. */
    private void holdUntil(Claim c) {
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0) {
                messages.setClaim(i, c.seq);
                c.held++;
                if (c.move != null) {
                    moving++;
                } else {
                    delayed++;
                }
            }
        }
        if (c.held > 0) {
            claims.add(c);
        }
    }

    /** Recent traffic, for the console's charts; made when the queue first sees any. */
    private Throughput throughput;

    /** {@code n} messages were posted, deleted or dead-lettered (as {@code kind} says) by a record of {@code time}. */
    void count(Throughput.Kind kind, long time, int n) {
        if (n == 0) {
            return;
        }
        if (throughput == null) {
            throughput = new Throughput();
        }
        throughput.add(kind, time, n);
    }

    Views.Rates rates(long now) {
        return (throughput == null ? Throughput.NONE : throughput).view(now);
    }

    /** A message just posted, its body at {@code address} in the log. */
    void append(long seq, long time, int ttlSeconds, int length, long clientHi, long clientLo, long address, boolean checked) {
        messages.append(seq, time, time + ttlSeconds * 1000L, ttlSeconds, clientHi, clientLo, address, length, checked);
        counted(1, length);
    }

    /** A message as a snapshot holds it (indexes are rebuilt afterwards). */
    void restore(long seq, long posted, long expires, int ttl, long clientHi, long clientLo, long claim, long address,
                 int length, boolean checked) {
        messages.restore(seq, posted, expires, ttl, clientHi, clientLo, claim, address, length, checked);
        counted(1, length);
    }

    /**
     * Bodies restored from a snapshot of the first formats (which held them), by sequence, until
     * the broker writes them to the log: in memory only meanwhile. Null when there are none.
     */
    java.util.Map<Long, byte[]> unplaced;

    /** A message restored with its body in memory (a snapshot of the first formats). */
    void restoreUnplaced(long seq, long posted, long expires, int ttl, long clientHi, long clientLo, long claim, byte[] body) {
        messages.appendUnplaced(seq, posted, expires, ttl, clientHi, clientLo, claim, body.length);
        counted(1, body.length);
        if (unplaced == null) {
            unplaced = new java.util.HashMap<>();
        }
        unplaced.put(seq, body);
    }

    /** Message {@code seq}'s body now lies at {@code address} (if it is still live). */
    void moveBody(long seq, long address, boolean checked) {
        long i = messages.indexOf(seq);
        if (i >= 0) {
            messages.moveBody(i, address, checked);
            if (unplaced != null && unplaced.remove(seq) != null && unplaced.isEmpty()) {
                unplaced = null;
            }
        }
    }

    /**
     * Applies the passage of time: expired claims free their messages, expired messages die.
     * {@code openedAt}: when the slot last changed hands (how an attempt that ran out is told apart).
     */
    void advanceTo(long now, long openedAt) {
        for (Claim c : claims.takeExpired(now)) {
            AttemptOutcome outcome = c.delay ? null : c.expiryOutcome(openedAt);
            for (long s : c.messages) {
                long i = messages.indexOf(s);
                if (i >= 0 && messages.claim(i) == c.seq) {
                    if (c.delay) {
                        // Due: as if never claimed (a hold is not a delivery).
                        messages.setClaim(i, 0);
                        delayed--;
                    } else {
                        // claim(i) keeps naming the expired claim: a late delete through it is still honoured (spec 2.9).
                        claimed--;
                        attemptEnded(i, c, c.expiresAt, outcome, null, null);
                    }
                    freed(s);
                }
            }
            if (!c.delay) {
                counters.claimsExpired++;
            }
        }
        for (long s : messages.expiredBy(now)) {
            long i = messages.indexOf(s);
            if (i >= 0) {
                remove(i, AttemptOutcome.MESSAGE_EXPIRED);
                counters.messagesExpired++;
            }
        }
        long live = messages.live();
        if (returned.size() > 2 * live + 64) {
            rebuildReturned();
        }
    }

    /**
     * Message {@code s} was held and is free now. Below the cursor it must be in {@link #returned};
     * at or past it, the scan from the cursor finds it (pushing it too would offer it twice).
     */
    private void freed(long s) {
        if (s < cursor) {
            returned.push(s, 0);
        }
    }

    /**
     * Deletes or expires entry {@code i}, releasing its hold on a claim; an attempt running on it
     * ends as {@code outcome} (counted: the message and its ledger go).
     */
    void remove(long i, AttemptOutcome outcome) {
        Claim c = claims.get(messages.claim(i));
        if (c != null) {
            if (c.delay) {
                delayed--;
            } else if (c.move != null) {
                moving--;
            } else {
                claimed--;
                counters.attemptEnded(outcome);
            }
            if (--c.held == 0) {
                claims.remove(c.seq);
            }
        }
        counted(-1, -messages.length(i));
        if (unplaced != null && unplaced.remove(messages.seq(i)) != null && unplaced.isEmpty()) {
            unplaced = null;
        }
        forgetLedger(messages.ledger(i));
        forgetOrigin(messages.origin(i));
        messages.kill(i);
    }

    /** Holds {@code seqs} (free, live) under the move hold {@code holdSeq} until their copy is durable. */
    void startMove(long holdSeq, long[] seqs, long time, Move move) {
        holdUntil(Claim.moveHold(holdSeq, seqs, time, move));
    }

    /** The move hold {@code holdSeq}, or null. */
    Claim moveHold(long holdSeq) {
        Claim c = claims.get(holdSeq);
        return c == null || c.move == null ? null : c;
    }

    /** The copy of what hold {@code c} holds is durable where it went: the messages go from here. */
    void finishMove(Claim c) {
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                remove(i, null);
                if (c.move.redrive()) {
                    counters.messagesRedriven++;
                } else {
                    counters.messagesDeadLettered++;
                }
            }
        }
    }

    /** Move holds, in sequence order. */
    java.util.Collection<Claim> moveHolds() {
        return claims.moveHolds();
    }

    /** Whether the message {@code o} names is here already (moved here before, and still live). */
    boolean holdsCopyOf(Origin o) {
        LongMap<Boolean> seqs = movedFrom.get(o.slot());
        return seqs != null && seqs.containsKey(o.seq());
    }

    /** Where entry {@code i} came from, if it was moved here; else null. */
    Origin origin(long i) {
        return messages.origin(i);
    }

    /**
     * The moved-in messages' sequences, oldest first (live: an origin goes with its message), read
     * from the table as they are iterated: nothing may change the queue meanwhile.
     */
    Iterable<Long> movedIn() {
        return () -> new java.util.Iterator<>() {
            private long p = messages.nextMovedIn(messages.first());

            @Override
            public boolean hasNext() {
                return p != messages.end();
            }

            @Override
            public Long next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                long seq = messages.seq(p);
                p = messages.nextMovedIn(messages.next(p));
                return seq;
            }
        };
    }

    /** Message {@code seq}, just appended, was moved here from {@code o}, with its ledger. */
    void movedIn(long seq, Origin o, int ended, List<Attempt> recent) {
        restoreOrigin(seq, o);
        if (ended > 0) {
            // Claims count afresh in each queue a message comes to.
            restoreLedger(seq, ended, ended, 0, recent.toArray(new Attempt[0]));
        }
    }

    /** An origin as a snapshot holds it, for live message {@code seq}. */
    void restoreOrigin(long seq, Origin o) {
        long i = liveEntry(seq, "origin");
        String queue = interner.intern(o.queue());
        Origin kept = queue == o.queue() ? o : new Origin(o.slot(), queue, o.seq(), o.postedAt(), o.ttlSeconds());
        forgetOrigin(messages.origin(i));
        messages.setOrigin(i, kept);
        movedFrom.computeIfAbsent(kept.slot(), k -> new LongMap<>()).put(kept.seq(), Boolean.TRUE);
        usage.originBytes += ORIGIN_HEAP_BYTES;
        usage.notesSnapshotBytes += originSnapshotBytes(kept);
    }

    /**
     * Heap an origin costs (for the memory budget): the record, its slot in the block's column and
     * its entry in {@link #movedFrom}, as HeapPerMessageBench measures them; the queue's name is
     * shared ({@link Interner}).
     */
    static final long ORIGIN_HEAP_BYTES = 76;

    /** About the bytes a snapshot writes for origin {@code o}: its message's sequence and the origin. */
    private static long originSnapshotBytes(Origin o) {
        return 34 + o.queue().length();
    }

    /** A message with origin {@code o} (null: none) goes. */
    private void forgetOrigin(Origin o) {
        if (o == null) {
            return;
        }
        LongMap<Boolean> seqs = movedFrom.get(o.slot());
        if (seqs != null) {
            seqs.remove(o.seq());
            if (seqs.size() == 0) {
                movedFrom.remove(o.slot());
            }
        }
        usage.originBytes -= ORIGIN_HEAP_BYTES;
        usage.notesSnapshotBytes -= originSnapshotBytes(o);
    }

    /** A message with ledger {@code l} (null: none) goes, or gets another ledger. */
    private void forgetLedger(Ledger l) {
        if (l != null) {
            usage.ledgerBytes -= l.heapBytes();
            usage.notesSnapshotBytes -= l.snapshotBytes();
        }
    }

    /** Gives message {@code i} ledger {@code l} instead of the one it had. */
    private void setLedger(long i, Ledger l) {
        forgetLedger(messages.ledger(i));
        messages.setLedger(i, l);
        usage.ledgerBytes += l.heapBytes();
        usage.notesSnapshotBytes += l.snapshotBytes();
    }

    /**
     * The position of live message {@code seq}, to which a snapshot being restored gives
     * {@code what}. A snapshot writes a message's ledger and origin with the message, so one that
     * names a message it does not hold is damaged: the restore fails loudly rather than keep a
     * slot whose notes and messages disagree.
     */
    private long liveEntry(long seq, String what) {
        long i = messages.indexOf(seq);
        if (i < 0) {
            throw new IllegalStateException("an " + what + " for message " + seq + ", which is not in queue " + name);
        }
        return i;
    }

    /** The number of the attempt client claim {@code c} is (of its first message still held; 1 for a first claim). */
    int attemptOf(Claim c) {
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                return attempts(i);
            }
        }
        return 1;
    }

    /** Whether free entry {@code i} goes to the dead-letter queue instead of its next claim. */
    private boolean overLimit(long i) {
        if (!policy.deadLetters()) {
            return false;
        }
        Ledger l = messages.ledger(i);
        return l != null && policy.overLimit(l.counted(), l.silent());
    }

    /** Entry {@code i}'s ledger as held: (ended, latest ended attempts), for a move's copy. */
    int endedAttempts(long i) {
        Ledger l = messages.ledger(i);
        return l == null ? 0 : l.ended();
    }

    List<Attempt> endedLedger(long i) {
        Ledger l = messages.ledger(i);
        return l == null ? List.of() : l.recent();
    }

    /** Attempt {@code c} at live entry {@code i} ended at {@code at}: into the message's ledger. */
    private void attemptEnded(long i, Claim c, long at, AttemptOutcome outcome, String errorClass, String errorMessage) {
        Ledger l = messages.ledger(i);
        if (l == null) {
            l = Ledger.NONE;
        }
        setLedger(i, l.plus(new Attempt(l.ended() + 1, slot, c.seq, c.createdAt, at, outcome, interner.intern(errorClass),
                interner.intern(errorMessage))));
        counters.attemptEnded(outcome);
    }

    /** Attempts entry {@code i} received: ended ones, and the one running if a claim holds it. */
    int attempts(long i) {
        Ledger l = messages.ledger(i);
        return (l == null ? 0 : l.ended()) + (isClaimed(i) ? 1 : 0);
    }

    /** Entry {@code i}'s attempts, oldest first: the latest ended ones kept, then the running one. */
    List<Attempt> ledger(long i) {
        Ledger l = messages.ledger(i);
        if (!isClaimed(i)) {
            return l == null ? List.of() : l.recent();
        }
        Claim c = claims.get(messages.claim(i));
        Attempt running = new Attempt((l == null ? 0 : l.ended()) + 1, slot, c.seq, c.createdAt, 0, AttemptOutcome.RUNNING,
                null, null);
        if (l == null) {
            return List.of(running); // a first claim, the usual case: no list to build
        }
        List<Attempt> out = new java.util.ArrayList<>(l.recent());
        out.add(running);
        return out;
    }

    /** A ledger as a snapshot holds it, for live message {@code seq}. */
    void restoreLedger(long seq, int ended, int countedFrom, int silent, Attempt[] recent) {
        long i = liveEntry(seq, "attempt ledger");
        for (int k = 0; k < recent.length; k++) {
            recent[k] = interner.intern(recent[k]);
        }
        setLedger(i, Ledger.restore(ended, countedFrom, silent, recent));
    }

    /**
     * The sequences of up to {@code limit} oldest free messages, ascending. Changes nothing a client
     * could observe: stale entries of {@code returned} are dropped, valid ones are put back.
     */
    /** Most messages one claim decision moves to the dead-letter queue (the rest wait for the next). */
    static final int MOVE_BATCH_MAX = 100;

    /**
     * What a claim of up to {@code limit} messages takes: the oldest free messages, ascending, and,
     * when the queue sends messages claimed too often to a dead-letter queue, the free messages
     * met on the way that were claimed as often as allowed (up to {@link #MOVE_BATCH_MAX}): those
     * are moved instead of claimed. Changes nothing a client could observe: stale entries of
     * {@code returned} are dropped, valid ones are put back.
     */
    Pick pick(int limit) {
        long[] out = new long[limit];
        int n = 0;
        long[] over = null;
        int o = 0;
        long last = -1;
        while (n < limit && !returned.isEmpty()) {
            long s = returned.peekKey();
            returned.pop();
            if (s == last) {
                continue;
            }
            last = s;
            long i = messages.indexOf(s);
            if (i >= 0 && !isHeld(i)) {
                if (!overLimit(i)) {
                    out[n++] = s;
                } else {
                    if (over == null) {
                        over = new long[MOVE_BATCH_MAX];
                    }
                    over[o++] = s;
                    if (o == MOVE_BATCH_MAX) {
                        break;
                    }
                }
            }
        }
        // Still free until the decision applies (then held: stale entries, dropped when met).
        for (int k = 0; k < n; k++) {
            returned.push(out[k], 0);
        }
        for (int k = 0; k < o; k++) {
            returned.push(over[k], 0);
        }
        long end = messages.end();
        long i = messages.firstAfter(cursor - 1);
        // The cursor moves past dead and held entries: a held one is offered again through
        // returned once freed (freed), so a queue whose oldest messages are delayed or claimed
        // is not scanned across them at every claim.
        while (i != end && (!messages.isLive(i) || isHeld(i))) {
            i = messages.next(i);
        }
        if (i != end) {
            cursor = messages.seq(i);
        } else {
            long newest = messages.newest();
            cursor = Math.max(cursor, newest == MessageTable.NONE ? 1 : messages.seq(newest) + 1);
        }
        // A full batch of messages to move ends the take: the rest wait for the next claim.
        for (; n < limit && o < MOVE_BATCH_MAX && i != end; i = messages.next(i)) {
            if (messages.isLive(i) && !isHeld(i)) {
                if (!overLimit(i)) {
                    out[n++] = messages.seq(i);
                } else {
                    if (over == null) {
                        over = new long[MOVE_BATCH_MAX];
                    }
                    over[o++] = messages.seq(i);
                }
            }
        }
        return new Pick(n == limit ? out : java.util.Arrays.copyOf(out, n), over == null ? NONE : java.util.Arrays.copyOf(over, o));
    }

    private static final long[] NONE = new long[0];

    /** A claim's take: {@code free} to claim, {@code over} to move to the dead-letter queue instead. */
    record Pick(long[] free, long[] over) {}

    /** Takes the messages named by a claim record. */
    void claim(long claimSeq, long time, int ttlSeconds, int graceSeconds, long[] seqs) {
        Claim c = new Claim(claimSeq, seqs, time, ttlSeconds);
        for (long s : seqs) {
            long i = messages.indexOf(s);
            if (i < 0) {
                continue;
            }
            messages.setClaim(i, claimSeq);
            c.held++;
            claimed++;
            extendLifetime(i, c, graceSeconds);
            if (s >= cursor) {
                cursor = s + 1;
            }
        }
        if (c.held > 0) {
            claims.add(c);
        }
    }

    void renew(Claim c, long time, int ttlSeconds, int graceSeconds) {
        c.renew(time, ttlSeconds);
        c.extended = true;
        c.streamClosed = false; // the worker came back for it
        claims.renewed(c);
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                extendLifetime(i, c, graceSeconds);
            }
        }
    }

    /** Spec 3.3: a claimed message outlives its claim by at least the grace. */
    private void extendLifetime(long i, Claim c, int graceSeconds) {
        long atLeast = c.expiresAt + graceSeconds * 1000L;
        if (messages.expiresAt(i) < atLeast) {
            messages.extend(i, atLeast, c.ttlSeconds + graceSeconds);
        }
    }

    /**
     * Gives back what {@code c} holds at {@code time}, ending its attempts as RELEASED with what the
     * worker said; with {@code retryAt} after {@code time}, the messages wait under the delay hold
     * {@code holdSeq} until then (holding no lease), else they are free at once.
     */
    void release(Claim c, long time, long holdSeq, long retryAt, String errorClass, String errorMessage) {
        long[] waiting = retryAt > time ? new long[c.held] : null;
        int n = 0;
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                messages.setClaim(i, 0);
                claimed--;
                attemptEnded(i, c, time, AttemptOutcome.RELEASED, errorClass, errorMessage);
                if (waiting != null) {
                    waiting[n++] = s;
                } else {
                    freed(s);
                }
            }
        }
        claims.remove(c.seq);
        if (n > 0) {
            holdUntil(Claim.holdUntil(holdSeq, java.util.Arrays.copyOf(waiting, n), time, retryAt));
        }
    }

    /** The stream that carried {@code c} closed: if its lease runs out now, that is why. */
    void streamClosed(Claim c) {
        c.streamClosed = true;
    }

    MessageView view(long i, long now) {
        long claimSeq = isClaimed(i) ? messages.claim(i) : 0;
        long seq = messages.seq(i);
        boolean inMemory = messages.unplaced(i);
        Body body = new Body(inMemory ? SlotSnapshot.UNPLACED : messages.bodyAddr(i), messages.length(i), messages.checked(i));
        if (inMemory) {
            body.fill(unplaced.get(seq));
        }
        long posted = messages.postedAt(i);
        return new MessageView(seq, messages.ttl(i), Math.max(0, (now - posted) / 1000), posted, body, claimSeq,
                attempts(i), ledger(i));
    }

    /** The messages {@code c} still holds, oldest first. */
    List<MessageView> heldBy(Claim c, long now) {
        List<MessageView> out = new java.util.ArrayList<>(c.held);
        for (long s : c.messages) {
            long i = messages.indexOf(s);
            if (i >= 0 && messages.claim(i) == c.seq) {
                out.add(view(i, now));
            }
        }
        return out;
    }

    /** Rebuilds the derived indexes after a snapshot restore. */
    void rebuildIndexes(long cursor) {
        this.cursor = cursor;
        rebuildReturned();
        claimed = 0;
        delayed = 0;
        moving = 0;
        for (long i = messages.first(), end = messages.end(); i != end; i = messages.next(i)) {
            if (messages.isLive(i) && isClaimed(i)) {
                claimed++;
            } else if (messages.isLive(i) && isDelayed(i)) {
                delayed++;
            } else if (messages.isLive(i) && isMoving(i)) {
                moving++;
            }
        }
    }

    long cursor() {
        return cursor;
    }

    private void rebuildReturned() {
        int n = messages.live();
        long[] keys = new long[Math.min(n, 1024)];
        int k = 0;
        for (long i = messages.first(), end = messages.end(); i != end && messages.seq(i) < cursor; i = messages.next(i)) {
            if (messages.isLive(i) && !isHeld(i)) {
                if (k == keys.length) {
                    keys = java.util.Arrays.copyOf(keys, 2 * k);
                }
                keys[k++] = messages.seq(i);
            }
        }
        returned.rebuild(keys, new long[k], k);
    }

    /** Approximate heap bytes of the indexes and columns (bodies excluded). */
    long overheadBytes() {
        long bytes = messages.heapBytes() + returned.heapBytes();
        long[] notes = noteBytes();
        return bytes + notes[0] + notes[1];
    }

    /** This queue's ledgers' heap, its origins' heap and the bytes a snapshot writes for both, counted afresh. */
    long[] noteBytes() {
        long[] out = new long[3];
        for (long p = messages.first(); p != messages.end(); p = messages.next(p)) {
            if (!messages.isLive(p)) {
                continue;
            }
            Ledger l = messages.ledger(p);
            if (l != null) {
                out[0] += l.heapBytes();
                out[2] += l.snapshotBytes();
            }
            Origin o = messages.origin(p);
            if (o != null) {
                out[1] += ORIGIN_HEAP_BYTES;
                out[2] += originSnapshotBytes(o);
            }
        }
        return out;
    }
}
