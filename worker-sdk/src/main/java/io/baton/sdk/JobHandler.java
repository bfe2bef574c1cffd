package io.baton.sdk;

/**
 * Processes one job. Returning normally acknowledges it (the message is deleted); throwing gives
 * it back (released, after the worker's release backoff) for another attempt, unless it throws
 * {@link NonRetryableException}, which sends it to its queue's dead-letter queue at once. Runs on
 * one of the worker's handler threads; may block.
 */
@FunctionalInterface
public interface JobHandler {
    void handle(Job job) throws Exception;
}
