package io.baton.sdk;

/**
 * Thrown by a {@link JobHandler} when no further attempt at the job can succeed (a malformed
 * payload, an input the downstream refuses for good): the job goes to its queue's dead-letter
 * queue at once, with its attempt ledger, instead of being retried until the queue's
 * {@code _max_claim_count}. Its class and message are kept in the ledger as any handler failure's
 * are. A queue without a dead-letter queue retries the job as for any other failure: a job is
 * never dropped.
 */
public class NonRetryableException extends RuntimeException {
    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
