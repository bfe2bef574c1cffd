package io.baton.sdk;

/**
 * What a redrive did: {@code redriven} messages sent back to the queues they were dead-lettered
 * from (each arrives exactly once, with its attempt ledger); {@code notMoved} of those named had
 * been posted to the dead-letter queue directly and were left alone.
 */
public record RedriveResult(int redriven, int notMoved) {}
