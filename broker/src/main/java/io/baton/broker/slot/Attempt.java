package io.baton.broker.slot;

/**
 * One attempt at a message: its {@code number} (1 for the first claim the message received), the
 * claim that made it ({@code claimSeq} in slot {@code slot}: a message moved to another queue
 * keeps the attempts it had there), when it started and ended, and how it ended. {@code errorClass} and
 * {@code errorMessage} are what a worker said when it released the job (null otherwise).
 * {@code endedAt} is 0 while RUNNING.
 */
public record Attempt(int number, int slot, long claimSeq, long startedAt, long endedAt, AttemptOutcome outcome,
                      String errorClass, String errorMessage) {
    /** The longest error class kept; longer ones are cut (a ledger is logged state: it must stay small). */
    public static final int ERROR_CLASS_MAX = 200;
    /** The longest error message kept. */
    public static final int ERROR_MESSAGE_MAX = 500;

    public Attempt {
        if (outcome == null || number < 1) {
            throw new IllegalArgumentException("an attempt needs a number and an outcome");
        }
    }

    /** {@code s} cut to {@code max} characters, null for null or empty. */
    public static String cut(String s, int max) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
