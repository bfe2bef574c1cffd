package io.baton.broker.slot;

/** One active claim: a lease on the messages it took. Mutable; owned by its queue's {@link ClaimTable}. */
final class Claim {
    final long seq;
    final long[] messages;
    long renewedAt;
    int ttlSeconds;
    long expiresAt;
    /** Messages still held: live and not re-claimed. The claim ends when this reaches 0. */
    int held;

    Claim(long seq, long[] messages, long time, int ttlSeconds) {
        this.seq = seq;
        this.messages = messages;
        renew(time, ttlSeconds);
    }

    void renew(long time, int ttl) {
        this.renewedAt = time;
        this.ttlSeconds = ttl;
        this.expiresAt = time + ttl * 1000L;
    }
}
