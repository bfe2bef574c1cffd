package io.baton.api;

import java.util.concurrent.ThreadFactory;

/**
 * Thread factories for Baton's background threads: daemon threads (they never keep a JVM alive on
 * their own) with names that say what they do, for thread dumps and profiles.
 */
public final class DaemonThreads {
    private DaemonThreads() {}

    /** Every thread gets {@code name}: for executors with one thread. */
    public static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
