package io.baton.broker.runtime;

import io.baton.broker.quota.ProjectQuotas;
import io.baton.broker.slot.SlotStateMachine;
import java.util.HashMap;
import java.util.Map;

/**
 * What one slot has reported to the broker-wide accounts: the heap its state takes (to
 * {@link Admission}) and what each project holds in it (to {@link ProjectQuotas}). Reports are
 * changes against what was reported before, so the slot can withdraw exactly its share when it
 * stops being served here (released to another broker, or FAILED and to be reopened by a new
 * driver, which reports afresh); otherwise a slot that moved would go on counting against this
 * broker's budget and its projects' quotas.
 *
 * <p>Slot thread only.
 */
final class SlotAccount {
    private final Admission admission;
    private final ProjectQuotas quotas;
    private long held;
    /** project -> {messages, body bytes} as last reported. */
    private final Map<String, long[]> projects = new HashMap<>();
    private boolean withdrawn;

    SlotAccount(Admission admission, ProjectQuotas quotas) {
        this.admission = admission;
        this.quotas = quotas;
    }

    /** Reports what changed in {@code sm} since the last report. */
    void report(SlotStateMachine sm) {
        if (withdrawn) {
            return;
        }
        long now = sm.heapEstimate();
        admission.heldChanged(now - held);
        held = now;
        sm.drainProjectChanges(u -> {
            long[] was = projects.get(u.project());
            long messages = u.messages() - (was == null ? 0 : was[0]);
            long bytes = u.bodyBytes() - (was == null ? 0 : was[1]);
            quotas.localChanged(u.project(), messages, bytes);
            if (u.messages() == 0 && u.bodyBytes() == 0) {
                projects.remove(u.project());
            } else {
                projects.put(u.project(), new long[] {u.messages(), u.bodyBytes()});
            }
        });
    }

    /** Takes back everything reported; later reports are ignored. */
    void withdraw() {
        if (withdrawn) {
            return;
        }
        withdrawn = true;
        admission.heldChanged(-held);
        held = 0;
        projects.forEach((project, was) -> quotas.localChanged(project, -was[0], -was[1]));
        projects.clear();
    }
}
