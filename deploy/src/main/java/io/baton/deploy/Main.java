package io.baton.deploy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code baton} command. */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
        description = "Baton: distributed job dispatch with the Cloud Queues v1 API.",
        subcommands = {StandaloneCommand.class, BrokerCommand.class, BookieCommand.class, ZooKeeperCommand.class, DevClusterCommand.class, GatewayCommand.class, BenchCommand.class, AdminCommands.Queue.class, AdminCommands.Post.class,
                AdminCommands.ClaimMessages.class, AdminCommands.Delete.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The {@code baton} command line, with {@code --help} (and {@code --version}) on every subcommand. */
    static CommandLine commandLine() {
        CommandLine root = new CommandLine(new Main());
        withHelp(root);
        return root;
    }

    private static void withHelp(CommandLine c) {
        c.getCommandSpec().mixinStandardHelpOptions(true);
        c.getSubcommands().values().forEach(Main::withHelp);
    }
}
