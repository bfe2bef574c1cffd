package io.baton.broker.slot;

import java.util.List;

/**
 * What one project holds in a slot: its live messages, their body bytes and its queues, kept
 * current by the project's queues as records apply and time passes, like {@link SlotUsage} for
 * the whole slot. The broker adds these up over its slots to enforce per-project quotas.
 *
 * <p>A usage that changed joins its slot's list of changes once, until the driver drains the
 * list ({@link SlotStateMachine#drainProjectChanges}); so reporting costs what changed, not the
 * number of projects.
 */
public final class ProjectUsage {
    private final String project;
    private final List<ProjectUsage> changes;
    private boolean listed;
    long messages;
    long bodyBytes;
    int queues;

    ProjectUsage(String project, List<ProjectUsage> changes) {
        this.project = project;
        this.changes = changes;
    }

    public String project() {
        return project;
    }

    public long messages() {
        return messages;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    void add(long messageDelta, long byteDelta) {
        messages += messageDelta;
        bodyBytes += byteDelta;
        changed();
    }

    void queuesChanged(int delta) {
        queues += delta;
        changed();
    }

    private void changed() {
        if (!listed) {
            listed = true;
            changes.add(this);
        }
    }

    void drained() {
        listed = false;
    }
}
