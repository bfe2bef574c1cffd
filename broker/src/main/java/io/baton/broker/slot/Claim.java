package io.baton.broker.slot;

/**
 * One active claim: a lease on the messages it took. Mutable; owned by its queue's {@link ClaimTable}.
 *
 * <p>A delay hold is a claim too, made when delayed messages are posted and expiring when they are
 * due, so that they reach workers the way messages of an expired claim do: in order, at the
 * moment, by the slot's timers. No client ever sees a hold: it is never returned, found, renewed
 * or released by id, and its messages count as delayed, not claimed.
 */
final class Claim {
    final long seq;
    final long[] messages;
    /** Whether this is a delay hold rather than a client's claim. */
    final boolean delay;
    /** Set for a move hold: its messages are being copied there, and go from here once the copy is durable. */
    final Move move;
    /** When the claim was made: the start of the attempts it holds. */
    final long createdAt;
    long renewedAt;
    int ttlSeconds;
    long expiresAt;
    /** Messages still held: live and not re-claimed. The claim ends when this reaches 0. */
    int held;
    /** Whether the lease was ever extended (how an expiry is told apart: a slow worker, or a silent one). */
    boolean extended;
    /** Whether the stream that carried it closed, and no renewal came since. */
    boolean streamClosed;
    /** Where it is in its queue's {@link ClaimTimers} (-1: not there); only that class sets it. */
    int timerSlot = -1;

    Claim(long seq, long[] messages, long time, int ttlSeconds) {
        this(seq, messages, time, ttlSeconds, false);
    }

    Claim(long seq, long[] messages, long time, int ttlSeconds, boolean delay) {
        this(seq, messages, time, ttlSeconds, delay, null);
    }

    private Claim(long seq, long[] messages, long time, int ttlSeconds, boolean delay, Move move) {
        this.seq = seq;
        this.messages = messages;
        this.delay = delay;
        this.move = move;
        this.createdAt = time;
        renew(time, ttlSeconds);
    }

    /** A delay hold that ends at {@code until} (to the millisecond: a retry's backoff is not whole seconds). */
    static Claim holdUntil(long seq, long[] messages, long time, long until) {
        Claim c = new Claim(seq, messages, time, 0, true);
        c.expiresAt = until;
        c.ttlSeconds = (int) Math.max(1, (until - time + 999) / 1000);
        return c;
    }

    /**
     * A move hold: never expires; it ends when its messages are gone (deleted here once their copy
     * is durable there, or by a client, or by their TTL).
     */
    static Claim moveHold(long seq, long[] messages, long time, Move move) {
        Claim c = new Claim(seq, messages, time, 0, false, move);
        c.expiresAt = Long.MAX_VALUE;
        return c;
    }

    /** Whether this is a client's claim (not a delay or move hold). */
    boolean client() {
        return !delay && move == null;
    }

    /** A claim as a snapshot holds it. */
    Claim(long seq, long[] messages, boolean delay, Move move, long createdAt, long renewedAt, long expiresAt, int ttlSeconds) {
        this.seq = seq;
        this.messages = messages;
        this.delay = delay;
        this.move = move;
        this.createdAt = createdAt;
        this.renewedAt = renewedAt;
        this.expiresAt = expiresAt;
        this.ttlSeconds = ttlSeconds;
    }

    /** How the attempts it holds end if it expires now; {@code openedAt}: when the slot last changed hands. */
    AttemptOutcome expiryOutcome(long openedAt) {
        if (renewedAt < openedAt) {
            return AttemptOutcome.SLOT_MOVED;
        }
        if (streamClosed) {
            return AttemptOutcome.STREAM_CLOSED;
        }
        return extended ? AttemptOutcome.LEASE_EXPIRED_AFTER_EXTENSIONS : AttemptOutcome.LEASE_EXPIRED_SILENT;
    }

    void renew(long time, int ttl) {
        this.renewedAt = time;
        this.ttlSeconds = ttl;
        this.expiresAt = time + ttl * 1000L;
    }
}
