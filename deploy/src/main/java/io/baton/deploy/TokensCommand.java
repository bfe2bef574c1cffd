package io.baton.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.auth.TokenGrants;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton tokens init DIR}: the secrets an authenticated deployment starts from, made with a
 * secure random generator: {@code tokens.json} (a service token granted every project, and one
 * token per project asked for), {@code service.token} (that service token alone, for
 * {@code --service-token-file}), {@code zookeeper.auth} (the brokers' ZooKeeper identity, for
 * {@code --zookeeper-auth-file}) and {@code bookkeeper.password} (for
 * {@code --bookkeeper-password-file}). Files are readable by their owner only; existing ones are
 * never overwritten. Certificates come from {@code baton tls init}.
 */
@Command(name = "tokens", description = "Make the tokens of an authenticated deployment.", subcommands = TokensCommand.Init.class)
final class TokensCommand {
    @Command(name = "init", description = "Write DIR/tokens.json, DIR/service.token, DIR/zookeeper.auth and "
            + "DIR/bookkeeper.password with fresh random secrets.")
    static final class Init implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "Directory to write them to (created if missing).")
        Path dir;

        @Option(names = "--project", defaultValue = "default", split = ",",
                description = "Projects to make a token for, one each (default: ${DEFAULT-VALUE}).")
        List<String> projects;

        @Override
        public Integer call() throws Exception {
            Path tokensFile = dir.resolve("tokens.json");
            Path serviceFile = dir.resolve("service.token");
            Path zooKeeperFile = dir.resolve("zookeeper.auth");
            Path ledgerFile = dir.resolve("bookkeeper.password");
            for (Path f : List.of(tokensFile, serviceFile, zooKeeperFile, ledgerFile)) {
                if (Files.exists(f)) {
                    System.err.println("baton tokens init: " + f + " exists; nothing written");
                    return 1;
                }
            }
            Files.createDirectories(dir);
            String service = TokenGrants.newToken();
            ObjectNode doc = new ObjectMapper().createObjectNode();
            ObjectNode tokens = doc.putObject("tokens");
            tokens.putArray(service).add(io.baton.auth.Credentials.ANY_PROJECT);
            for (String p : projects) {
                tokens.putArray(TokenGrants.newToken()).add(p);
            }
            write(tokensFile, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
            write(serviceFile, service + "\n");
            write(zooKeeperFile, "baton:" + TokenGrants.newToken() + "\n");
            write(ledgerFile, TokenGrants.newToken() + "\n");
            // What a client of each project uses; the service token stays with brokers and gateways.
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return 0;
        }


        private static void write(Path file, String text) throws Exception {
            Files.createFile(file);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its own defaults apply
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
    }
}
