package io.baton.deploy;

import io.baton.auth.CertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton tls init DIR} and {@code baton tls issue DIR NAME}: a private CA for a deployment
 * and the certificates it issues (ECDSA P-256, each usable to serve TLS and as a client
 * certificate). Keys are readable by their owner only; existing files are never overwritten. An
 * operator with a CA of their own (cert-manager, Vault) writes the same PEM files with it instead.
 */
@Command(name = "tls", description = "Make a private CA and the certificates of a TLS deployment.",
        subcommands = {TlsCommand.Init.class, TlsCommand.Issue.class})
final class TlsCommand {
    private static final String NAME = "[A-Za-z0-9_.-]{1,64}";

    static final class Validity {
        @Option(names = "--days", defaultValue = "365", description = "How long the certificate is valid (default: ${DEFAULT-VALUE}).")
        int days;

        Duration duration() {
            if (days < 1) {
                throw new IllegalArgumentException("--days must be at least 1");
            }
            return Duration.ofDays(days);
        }
    }

    @Command(name = "init", description = "Write DIR/ca.pem, DIR/ca-key.pem and a certificate DIR/baton.pem, "
            + "DIR/baton-key.pem for the hosts named (plus localhost and 127.0.0.1).")
    static final class Init implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Directory to write them to (created if missing).")
        Path dir;

        @Option(names = "--host", split = ",", description = "Host names and addresses clients reach the processes at "
                + "(brokers as advertised, gateways), comma-separated.")
        List<String> hosts = new ArrayList<>();

        @Mixin
        Validity validity;

        @Override
        public Integer call() {
            if (refuseExisting(dir, "ca.pem", "ca-key.pem", "baton.pem", "baton-key.pem")) {
                return 1;
            }
            List<String> names = new ArrayList<>(hosts);
            names.addAll(List.of("localhost", "127.0.0.1"));
            CertificateAuthority ca = CertificateAuthority.create("baton ca", validity.duration().multipliedBy(2));
            ca.write(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
            ca.issue("baton", names.stream().distinct().toList(), validity.duration())
                    .write(dir.resolve("baton.pem"), dir.resolve("baton-key.pem"));
            System.out.println("wrote " + dir.resolve("ca.pem") + " (trust it: --tls-ca), " + dir.resolve("baton.pem") + " and "
                    + dir.resolve("baton-key.pem") + " (--tls-cert, --tls-key) for " + String.join(", ", names)
                    + "; keep " + dir.resolve("ca-key.pem") + " to issue more (baton tls issue)");
            return 0;
        }
    }

    @Command(name = "issue", description = "Write DIR/NAME.pem and DIR/NAME-key.pem, issued by DIR/ca.pem and DIR/ca-key.pem: "
            + "a client certificate for a worker, or a server certificate with --host.")
    static final class Issue implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "Directory holding ca.pem and ca-key.pem.")
        Path dir;

        @Parameters(index = "1", paramLabel = "NAME", description = "The certificate's name (its common name and file names).")
        String name;

        @Option(names = "--host", split = ",", description = "Host names and addresses it serves, comma-separated (none: a client certificate).")
        List<String> hosts = new ArrayList<>();

        @Mixin
        Validity validity;

        @Override
        public Integer call() {
            if (!name.matches(NAME)) {
                throw new IllegalArgumentException("NAME must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (refuseExisting(dir, name + ".pem", name + "-key.pem")) {
                return 1;
            }
            CertificateAuthority ca = CertificateAuthority.load(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"));
            ca.issue(name, hosts, validity.duration()).write(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"));
            System.out.println("wrote " + dir.resolve(name + ".pem") + " and " + dir.resolve(name + "-key.pem"));
            return 0;
        }
    }

    private static boolean refuseExisting(Path dir, String... files) {
        for (String f : files) {
            if (Files.exists(dir.resolve(f))) {
                System.err.println("baton tls: " + dir.resolve(f) + " exists; nothing written");
                return true;
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir, e);
        }
        return false;
    }
}
