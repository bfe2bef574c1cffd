package io.baton.broker.slot;

import java.util.Map;
import java.util.TreeMap;

/**
 * A slot's recent publish request ids, one {@link RequestIdWindow} per project: each project keeps
 * up to the window's entry limit of its own, so one tenant's traffic can never push another's
 * entries out early (and have a retried publish stored twice). Memory stays bounded by the slot's
 * memory budget, which counts every window ({@link #snapshotBytes}).
 *
 * <p>Windows expire their entries when they are written to; each publish also expires one other
 * project's window in turn (name order, so replay does the same) and drops it once it is empty,
 * so a project that stopped publishing gives its memory back.
 *
 * <p>Entries restored from snapshots older than per-project windows carry no project: they live in
 * one shared window that every project's lookups also consult until they expire.
 *
 * <p>Slot thread only (not thread-safe), except copies ({@link #copy}).
 */
final class RequestIdWindows {
    /** The window of entries whose project is unknown (no project id is empty). */
    static final String UNATTRIBUTED = "";

    /** Visits one project's window (for snapshots). */
    interface WindowVisitor {
        void visit(String project, RequestIdWindow window) throws java.io.IOException;
    }

    private final long windowMillis;
    private final int maxEntriesPerProject;
    private final TreeMap<String, RequestIdWindow> byProject = new TreeMap<>();
    /** The project whose window the last publish expired: the next one expires the window after it. */
    private String swept = UNATTRIBUTED;

    RequestIdWindows(long windowMillis, int maxEntriesPerProject) {
        this.windowMillis = windowMillis;
        this.maxEntriesPerProject = maxEntriesPerProject;
    }

    /** The entry for this request id if it was given within the window before {@code now}. */
    RequestIdWindow.Entry get(String project, String queue, String requestId, long now) {
        RequestIdWindow own = byProject.get(project);
        RequestIdWindow.Entry e = own == null ? null : own.get(project, queue, requestId, now);
        if (e == null) {
            RequestIdWindow unattributed = byProject.get(UNATTRIBUTED);
            if (unattributed != null) {
                e = unattributed.get(project, queue, requestId, now);
            }
        }
        return e;
    }

    void put(String project, String queue, String requestId, RequestIdWindow.Entry entry) {
        window(project).put(project, queue, requestId, entry);
        sweep(entry.time());
    }

    /** Adds an entry by its key digest (snapshot restore) to {@code project}'s window ({@link #UNATTRIBUTED}: unknown). */
    void put(String project, long hi, long lo, long entryTime, long entryFirstSeq, int entryCount) {
        window(project).put(hi, lo, entryTime, entryFirstSeq, entryCount);
    }

    private RequestIdWindow window(String project) {
        return byProject.computeIfAbsent(project, p -> new RequestIdWindow(windowMillis, maxEntriesPerProject));
    }

    /** Expires the next window in name order after the last one swept; drops it if nothing is left. */
    private void sweep(long now) {
        Map.Entry<String, RequestIdWindow> next = byProject.higherEntry(swept);
        if (next == null) {
            next = byProject.firstEntry();
        }
        swept = next.getKey();
        next.getValue().expire(now);
        if (next.getValue().size() == 0) {
            byProject.remove(next.getKey());
        }
    }

    /** A detached copy for a snapshot (see {@link RequestIdWindow#copy}). */
    RequestIdWindows copy() {
        RequestIdWindows c = new RequestIdWindows(windowMillis, maxEntriesPerProject);
        byProject.forEach((p, w) -> c.byProject.put(p, w.copy()));
        return c;
    }

    void forEachWindow(WindowVisitor visitor) throws java.io.IOException {
        for (Map.Entry<String, RequestIdWindow> e : byProject.entrySet()) {
            visitor.visit(e.getKey(), e.getValue());
        }
    }

    /** Every live entry of every window. */
    void forEach(RequestIdWindow.EntryVisitor visitor) throws java.io.IOException {
        for (RequestIdWindow w : byProject.values()) {
            w.forEach(visitor);
        }
    }

    int windows() {
        return byProject.size();
    }

    int size() {
        int n = 0;
        for (RequestIdWindow w : byProject.values()) {
            n += w.size();
        }
        return n;
    }

    /** The windows' share of a snapshot, in bytes (each project's name and count, and its entries). */
    long snapshotBytes() {
        long bytes = 4;
        for (Map.Entry<String, RequestIdWindow> e : byProject.entrySet()) {
            bytes += 2 + e.getKey().length() + 4 + e.getValue().snapshotBytes();
        }
        return bytes;
    }
}
