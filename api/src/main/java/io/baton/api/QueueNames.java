package io.baton.api;

/** Queue-name and project-id rules (spec 1.2, 1.5). */
public final class QueueNames {
    /** Why a queue name is refused: the one wording every entry point answers with. */
    public static final String NAME_RULE =
            "Queue names may not be more than 64 characters long and may only contain ASCII letters, digits, underscores and dashes.";
    /** Why a project id is refused. */
    public static final String PROJECT_RULE = "Project ids must be 1-256 characters.";

    private QueueNames() {}

    /** True when {@code name} is 1–64 ASCII letters, digits, '_' or '-'. */
    public static boolean isValid(String name) {
        if (name == null || name.isEmpty() || name.length() > Limits.QUEUE_NAME_MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Projects are 1–256 characters of anything (spaces included). */
    public static boolean isValidProject(String project) {
        return project != null && !project.isEmpty() && project.length() <= Limits.PROJECT_ID_MAX_LENGTH;
    }
}
