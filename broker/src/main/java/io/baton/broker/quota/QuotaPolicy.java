package io.baton.broker.quota;

import java.util.Map;

/**
 * Which quota applies to which project: the one named for it, else the default. A project named
 * with no limits is unlimited even under a default.
 */
public record QuotaPolicy(Quota defaults, Map<String, Quota> projects) {
    public static final QuotaPolicy NONE = new QuotaPolicy(Quota.UNLIMITED, Map.of());

    public QuotaPolicy {
        projects = Map.copyOf(projects);
    }

    public Quota quotaOf(String project) {
        return projects.getOrDefault(project, defaults);
    }
}
