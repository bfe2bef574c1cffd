package io.baton.broker.log;

/**
 * Which storage that a checkpoint keeps only for its live bytes is worth rewriting (see
 * {@link SlotLog#checkpoint}).
 *
 * <p>Live bytes are message bodies; the rest of a record is index, which the snapshot carries
 * anyway. So a unit of storage is judged by the bodies placed in it: once at least half of them
 * are dead, rewriting the live ones frees more than it writes. Judged by its whole size instead,
 * storage whose records carry much index beside their bodies (a dead-letter queue's, where each
 * message brings its origin and its attempts) counts as mostly dead the moment it is checkpointed,
 * and every body in it is written twice. Storage that is mostly dead by size all the same (less
 * than an eighth live) is rewritten too, so disk use stays within a small multiple of the live
 * bodies whatever rides along with them.
 */
final class Rewriting {
    private Rewriting() {}

    /**
     * The bytes of a record of {@code recordLength} bytes that may stay live: the
     * {@code bodyBytes} its appender named, or all of it when they are not known (-1).
     */
    static long mayStayLive(int recordLength, int bodyBytes) {
        return bodyBytes < 0 ? recordLength : Math.min(bodyBytes, recordLength);
    }

    /**
     * Whether storage of {@code size} bytes, into which {@code placedBodyBytes} bytes of bodies
     * went (-1: not known, for storage written before this process opened the log), and of which
     * {@code liveBytes} are live, is worth rewriting.
     */
    static boolean worthIt(long liveBytes, long placedBodyBytes, long size) {
        if (liveBytes <= 0) {
            return false; // nothing to rewrite: it goes as it is
        }
        long judged = placedBodyBytes < 0 ? size : Math.min(placedBodyBytes, size);
        return liveBytes * 2 < judged || liveBytes * 8 < size;
    }
}
