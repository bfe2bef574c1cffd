package io.baton.sdk;

/** A queue in a listing; {@code metadataJson} is null unless the listing was detailed. */
public record QueueEntry(String name, String metadataJson) {}
