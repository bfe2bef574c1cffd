package io.baton.sdk;

import java.util.List;

/** One page of a message listing; pass {@code nextMarker} to get the next. Empty: the end. */
public record MessagePage(List<Message> messages, String nextMarker) {}
