package io.baton.deploy;

import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.auth.TokenFile;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --auth none|tokens --tokens-file FILE}, shared by the commands that run a gateway. */
final class AuthOptions {
    enum Mode { none, tokens }

    @Option(names = "--auth", defaultValue = "none",
            description = "Gateway authentication: none (development) or tokens (X-Auth-Token checked against --tokens-file). Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--tokens-file", description = "JSON file {\\\"tokens\\\": {\\\"<token>\\\": [\\\"<project>\\\", ...]}}; re-read when it changes.")
    Path tokensFile;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    Authenticator authenticator() {
        if (mode == Mode.none) {
            return Authenticator.none();
        }
        if (tokensFile == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--auth tokens needs --tokens-file");
        }
        return TokenFile.load(tokensFile);
    }
}
