package io.baton.deploy;

import io.baton.gateway.http.HttpLimits;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --max-connections N --request-deadline S}: the REST port's bounds against slow and greedy clients. */
final class HttpLimitOptions {
    @Option(names = "--max-connections", defaultValue = "10000", description = "Open HTTP connections at most; one over it "
            + "is closed as soon as it is accepted (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--request-deadline", defaultValue = "30", description = "Seconds a request may take to arrive, head "
            + "and body, from its first byte; then 408 and the connection closes (default: ${DEFAULT-VALUE}).")
    int requestDeadlineSeconds;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    HttpLimits limits() {
        try {
            return new HttpLimits(maxConnections, Duration.ofSeconds(requestDeadlineSeconds));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections and --request-deadline must be positive");
        }
    }
}
