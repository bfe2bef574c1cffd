package io.baton.broker.slot;

import java.util.Arrays;

/**
 * A message body in a reply: where it lies in the slot's log, and its bytes once the broker has
 * loaded them (from its body cache, or the log). The state machine keeps only the address; the
 * driver fills the bytes in before the reply leaves, and nothing changes them afterwards.
 *
 * <p>Threads: filled on one thread before the reply's future completes, read after (the future
 * orders the two).
 */
public final class Body {
    private final long address;
    private final int length;
    private final boolean checked;
    private byte[] bytes;

    Body(long address, int length, boolean checked) {
        this.address = address;
        this.length = length;
        this.checked = checked;
    }

    /** Where the body's bytes start in the log. */
    public long address() {
        return address;
    }

    public int length() {
        return length;
    }

    /** Whether its CRC32C precedes it in the log ({@link RecordCodec#BODY_CHECK} bytes before {@link #address}). */
    public boolean checked() {
        return checked;
    }

    public boolean loaded() {
        return bytes != null;
    }

    /** The body's bytes: shared, never to be changed. */
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("body at " + address + " was never loaded");
        }
        return bytes;
    }

    public void fill(byte[] loaded) {
        if (loaded.length != length) {
            throw new IllegalArgumentException("body of " + loaded.length + " bytes where " + length + " belong");
        }
        this.bytes = loaded;
    }

    @Override
    public String toString() {
        return "Body[" + address + "+" + length + (bytes == null ? "" : ", " + Arrays.hashCode(bytes)) + "]";
    }
}
