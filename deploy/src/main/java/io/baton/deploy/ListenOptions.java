package io.baton.deploy;

import picocli.CommandLine.Option;

/** Where a server listens: {@code --host}, the same for every role that serves clients. */
class ListenOptions {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    /**
     * A server that clients find by name in the cluster map: it also says which host they reach it
     * at, which differs from the listen address when that is a wildcard.
     */
    static final class Advertised extends ListenOptions {
        @Option(names = "--advertise", description = "Host clients (and other brokers) reach this broker at, as named "
                + "in the cluster map (default: --host; set it when listening on 0.0.0.0, e.g. to the pod's DNS name).")
        String advertise;
    }
}
