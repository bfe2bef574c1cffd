package io.baton.broker.runtime;

/**
 * Recently posted message bodies, kept so that a queue whose workers keep up never reads its
 * bodies back from the log: a broker-wide, byte-bounded FIFO. Bodies go in as they are posted
 * (and as they are read back from the log); the oldest are overwritten as new ones arrive. Lossy
 * by design: a body not found is read from the log.
 *
 * <p>Keys are (owner, address): the owner is a number for one instance of a slot's log, never
 * reused, so a slot reopened on other files never meets what the last instance cached.
 *
 * <p>Layout: stripes (owner mod stripe count), each a ring of 1 MiB chunks written in order and an
 * open-addressed index keyed by (owner, address). An entry is valid while the ring has not wrapped
 * over its bytes. Chunks are allocated as the ring first fills, so an idle broker holds little.
 *
 * <p>Threads: any; each stripe is guarded by its own monitor.
 */
public final class BodyCache {
    static final int CHUNK = 1 << 20;
    /** Index slots per ring byte: one entry per 128 bytes of ring. */
    private static final int BYTES_PER_ENTRY = 128;
    private static final int PROBES = 8;

    private final Stripe[] stripes;
    private final long capacity;

    /** A cache of {@code capacityBytes} over {@code stripes} stripes (0 bytes: a cache that keeps nothing). */
    public BodyCache(long capacityBytes, int stripes) {
        int n = Math.max(1, stripes);
        long perStripe = capacityBytes / n / CHUNK;
        this.stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            this.stripes[i] = new Stripe((int) Math.min(Integer.MAX_VALUE / CHUNK, perStripe));
        }
        this.capacity = perStripe * CHUNK * n;
    }

    /** The cache's size in bytes (ring and index): what it may take of the heap. */
    public long capacityBytes() {
        return capacity + capacity / BYTES_PER_ENTRY * 24;
    }

    public void put(int slot, long address, byte[] body) {
        stripe(slot).put(slot, address, body, 0, body.length);
    }

    public void put(int slot, long address, byte[] bytes, int offset, int length) {
        stripe(slot).put(slot, address, bytes, offset, length);
    }

    /** A copy of the body at {@code address} of {@code slot}'s log, or null when it is not here. */
    public byte[] get(int slot, long address, int length) {
        return stripe(slot).get(slot, address, length);
    }

    private Stripe stripe(int slot) {
        return stripes[Math.floorMod(slot, stripes.length)];
    }

    private static final class Stripe {
        private final byte[][] chunks;
        private final long ringBytes;
        private final long[] keyAddress;
        private final int[] keySlot;
        /** Where the entry's bytes start in the ring's history ({@link #end} counts every byte ever written); -1 empty. */
        private final long[] at;
        private final int[] length;
        private final int mask;
        private long end;

        Stripe(int chunkCount) {
            this.chunks = new byte[chunkCount][];
            this.ringBytes = (long) chunkCount * CHUNK;
            int entries = chunkCount == 0 ? 1 : Integer.highestOneBit((int) Math.max(1, ringBytes / BYTES_PER_ENTRY)) << 1;
            this.keyAddress = new long[entries];
            this.keySlot = new int[entries];
            this.at = new long[entries];
            this.length = new int[entries];
            this.mask = entries - 1;
            java.util.Arrays.fill(at, -1);
        }

        private static int hash(int slot, long address) {
            long h = address * 0x9E3779B97F4A7C15L + slot * 0xC2B2AE3D27D4EB4FL;
            return (int) (h ^ (h >>> 29));
        }

        private boolean valid(int i) {
            return at[i] >= 0 && at[i] >= end - ringBytes;
        }

        synchronized void put(int slot, long address, byte[] src, int offset, int len) {
            if (ringBytes == 0 || len > CHUNK || len == 0) {
                return;
            }
            long inChunk = end % CHUNK;
            if (inChunk + len > CHUNK) {
                end += CHUNK - inChunk; // a body never spans two chunks
            }
            int c = (int) ((end / CHUNK) % chunks.length);
            if (chunks[c] == null) {
                chunks[c] = new byte[CHUNK];
            }
            System.arraycopy(src, offset, chunks[c], (int) (end % CHUNK), len);
            long start = end;
            end += len;
            int h = hash(slot, address);
            int victim = -1;
            long oldest = Long.MAX_VALUE;
            for (int p = 0; p < PROBES; p++) {
                int i = (h + p) & mask;
                if (!valid(i) || (keyAddress[i] == address && keySlot[i] == slot)) {
                    victim = i;
                    break;
                }
                if (at[i] < oldest) {
                    oldest = at[i];
                    victim = i;
                }
            }
            keyAddress[victim] = address;
            keySlot[victim] = slot;
            at[victim] = start;
            length[victim] = len;
        }

        synchronized byte[] get(int slot, long address, int len) {
            if (ringBytes == 0) {
                return null;
            }
            int h = hash(slot, address);
            for (int p = 0; p < PROBES; p++) {
                int i = (h + p) & mask;
                if (keyAddress[i] == address && keySlot[i] == slot && valid(i) && length[i] == len) {
                    byte[] out = new byte[len];
                    System.arraycopy(chunks[(int) ((at[i] / CHUNK) % chunks.length)], (int) (at[i] % CHUNK), out, 0, len);
                    return out;
                }
            }
            return null;
        }
    }
}
