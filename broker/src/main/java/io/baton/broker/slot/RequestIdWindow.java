package io.baton.broker.slot;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recent publish request ids and the sequences they were given, so that a retried publish is
 * answered with the first attempt's ids instead of being stored twice. Entries leave after a time
 * window or when the window is full, both judged by record time, so replay rebuilds the same window.
 */
final class RequestIdWindow {
    record Entry(long time, long firstSeq, int count) {}

    private final long windowMillis;
    private final int maxEntries;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    /** What the entries take in a snapshot (kept as they come and go: the checkpoint policy reads it often). */
    private long snapshotBytes;

    RequestIdWindow(long windowMillis, int maxEntries) {
        this.windowMillis = windowMillis;
        this.maxEntries = maxEntries;
    }

    static String key(String project, String queue, String requestId) {
        return project + '\u0000' + queue + '\u0000' + requestId;
    }

    Entry get(String key, long now) {
        Entry e = entries.get(key);
        return e != null && e.time > now - windowMillis ? e : null;
    }

    void put(String key, Entry entry) {
        if (entries.put(key, entry) == null) {
            snapshotBytes += snapshotBytes(key);
        }
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Entry> oldest = it.next();
            if (entries.size() > maxEntries || oldest.getValue().time <= entry.time - windowMillis) {
                it.remove();
                snapshotBytes -= snapshotBytes(oldest.getKey());
            } else {
                break;
            }
        }
    }

    /** An entry's size in a snapshot: the key as modified UTF-8 (ASCII here) and the entry's three numbers. */
    private static long snapshotBytes(String key) {
        return 2 + key.length() + 20;
    }

    /** The window's share of a snapshot, in bytes (ids are ASCII, so a close estimate). */
    long snapshotBytes() {
        return snapshotBytes;
    }

    Map<String, Entry> entries() {
        return entries;
    }
}
