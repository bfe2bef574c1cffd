package io.baton.deploy;

import io.baton.auth.Credentials;
import io.baton.auth.TokenFile;
import io.baton.gateway.auth.Authenticator;
import io.baton.gateway.auth.TokenAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --auth none|tokens --tokens-file FILE [--tokens-grace S] [--service-token-file FILE]},
 * shared by the commands that run a broker or a gateway: the same tokens file guards the REST
 * port and every gRPC port.
 */
final class AuthOptions {
    enum Mode { none, tokens }

    @Option(names = "--auth", defaultValue = "none",
            description = "Authentication of every port: none (development) or tokens (a bearer token on gRPC calls, "
                    + "X-Auth-Token on REST, checked against --tokens-file). Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--tokens-file", description = "JSON file {\\\"tokens\\\": {\\\"<token>\\\": [\\\"<project>\\\", ...]}}; "
            + "tokens of 16 characters or more; \\\"*\\\" grants every project (service identities). Re-read when it changes.")
    Path tokensFile;

    @Option(names = "--tokens-grace", defaultValue = "0", description = "Seconds a tokens file that went missing or invalid "
            + "keeps its previous tokens before every token is refused (default: ${DEFAULT-VALUE}: at once).")
    long tokensGraceSeconds;

    @Option(names = "--service-token-file", description = "File holding the token this process calls brokers with "
            + "(a gateway; a broker moving messages to another); the tokens file must grant it \\\"*\\\".")
    Path serviceTokenFile;

    @Option(names = "--insecure-no-auth", description = "With --auth none on a process other hosts reach (a broker, a "
            + "gateway, a standalone not on loopback): run anyway, with every port open to anyone who reaches it.")
    boolean insecure;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    boolean required() {
        return mode == Mode.tokens;
    }

    /**
     * Refuses to run {@code role}, which other hosts reach, with authentication off unless the
     * operator said so ({@code --insecure-no-auth}): an open broker lets anyone read, claim and
     * delete every tenant's jobs.
     */
    void requireAuthUnlessInsecure(String role) {
        if (mode == Mode.none && !insecure) {
            throw new CommandLine.ParameterException(spec.commandLine(), role + " is reached from other hosts: run it with "
                    + "--auth tokens --tokens-file FILE (docs/OPERATIONS.md, \"Security\"), or with --insecure-no-auth to "
                    + "leave every port open");
        }
    }

    /** The tokens callers are checked against; null with {@code --auth none}. */
    Credentials credentials() {
        if (mode == Mode.none) {
            return null;
        }
        if (tokensFile == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--auth tokens needs --tokens-file");
        }
        if (tokensGraceSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tokens-grace must not be negative");
        }
        return TokenFile.load(tokensFile, Duration.ofSeconds(tokensGraceSeconds));
    }

    /** The REST side of {@code credentials} (null: authentication off). */
    static Authenticator authenticator(Credentials credentials) {
        return credentials == null ? Authenticator.none() : new TokenAuthenticator(credentials);
    }

    /** The token this process calls brokers with; null when none is set. With auth on, {@code needed} makes it required. */
    String serviceToken(boolean needed) {
        if (serviceTokenFile == null) {
            if (needed && required()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--auth tokens needs --service-token-file: the token this process calls brokers with");
            }
            return null;
        }
        try {
            String token = Files.readString(serviceTokenFile, StandardCharsets.UTF_8).trim();
            if (token.length() < io.baton.auth.TokenGrants.MIN_TOKEN_LENGTH) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the service token in " + serviceTokenFile
                        + " is shorter than " + io.baton.auth.TokenGrants.MIN_TOKEN_LENGTH + " characters");
            }
            return token;
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + serviceTokenFile + ": " + e.getMessage());
        }
    }
}
