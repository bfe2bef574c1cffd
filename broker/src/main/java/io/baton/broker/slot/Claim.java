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
    long renewedAt;
    int ttlSeconds;
    long expiresAt;
    /** Messages still held: live and not re-claimed. The claim ends when this reaches 0. */
    int held;

    Claim(long seq, long[] messages, long time, int ttlSeconds) {
        this(seq, messages, time, ttlSeconds, false);
    }

    Claim(long seq, long[] messages, long time, int ttlSeconds, boolean delay) {
        this.seq = seq;
        this.messages = messages;
        this.delay = delay;
        renew(time, ttlSeconds);
    }

    void renew(long time, int ttl) {
        this.renewedAt = time;
        this.ttlSeconds = ttl;
        this.expiresAt = time + ttl * 1000L;
    }
}
