package io.baton.sdk;

import java.util.List;

/** The ids given to posted messages, in posting order; {@code duplicate} when a retry was recognised. */
public record PublishResult(List<String> ids, boolean duplicate) {}
