package io.baton.deploy;

import io.baton.broker.BrokerConfig;
import io.baton.broker.log.LedgerPasswords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --zookeeper-auth-file FILE --bookkeeper-password-file FILE}: the secrets that close a
 * cluster's coordination and storage to everyone but its brokers (docs/OPERATIONS.md, "Security").
 */
final class ClusterSecretOptions {
    @Option(names = "--zookeeper-auth-file", description = "File holding user:password (ZooKeeper digest credentials, the "
            + "same for every broker of the cluster): znodes under the cluster root are then theirs alone.")
    Path zooKeeperAuthFile;

    @Option(names = "--bookkeeper-password-file", description = "File holding the password of the cluster's ledgers, one per "
            + "line: the first for new ledgers, older ones still accepted (a rotation); each of 16 characters or more.")
    Path ledgerPasswordFile;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    BrokerConfig.Builder applyTo(BrokerConfig.Builder b) {
        try {
            if (zooKeeperAuthFile != null) {
                b.zooKeeperCredentials(Files.readString(zooKeeperAuthFile, StandardCharsets.UTF_8).strip());
            }
            if (ledgerPasswordFile != null) {
                b.ledgerPasswords(LedgerPasswords.read(ledgerPasswordFile));
            }
            return b;
        } catch (IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
