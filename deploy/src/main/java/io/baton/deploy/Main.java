package io.baton.deploy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code baton} command. */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
        description = "Baton: distributed job dispatch with the Cloud Queues v1 API.",
        subcommands = {StandaloneCommand.class, BrokerCommand.class, TokensCommand.class, TlsCommand.class, BookieCommand.class, ZooKeeperCommand.class, DevClusterCommand.class, GatewayCommand.class, BenchCommand.class, AdminCommands.Queue.class, AdminCommands.MessageCommands.class, AdminCommands.DeadLetters.class, AdminCommands.Post.class,
                AdminCommands.ClaimMessages.class, AdminCommands.Delete.class, CdsTrainCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        withoutLeakDetection();
        System.exit(commandLine().execute(args));
    }

    /** The properties of Netty's buffer leak detector: gRPC's shaded copy, and the HTTP gateway's. */
    static final java.util.List<String> LEAK_DETECTION = java.util.List.of(
            "io.grpc.netty.shaded.io.netty.leakDetection.level", "io.netty.leakDetection.level");

    /**
     * Turns Netty's leak detector off in every role, unless the operator set its level. At its
     * default level it follows one buffer in 128 and records a stack trace at each of its
     * allocations and releases, on the hot path of every call, for reports that matter while
     * developing (docs/BENCHMARKS.md, "JVM flags"). The tests keep it on. Must run before any
     * Netty class loads: the detector reads its level once.
     */
    static void withoutLeakDetection() {
        for (String property : LEAK_DETECTION) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "disabled");
            }
        }
    }

    /** The {@code baton} command line, with {@code --help} (and {@code --version}) on every subcommand. */
    static CommandLine commandLine() {
        CommandLine root = new CommandLine(new Main());
        withHelp(root);
        root.setExecutionExceptionHandler(Main::onError);
        return root;
    }

    /** A port already in use is one clear line and exit code 1; anything else is reported as picocli does. */
    private static int onError(Exception e, CommandLine command, CommandLine.ParseResult parsed) throws Exception {
        if (!portInUse(e)) {
            throw e;
        }
        // The most detailed message of the chain: wrappers repeat their cause's message.
        String said = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().replaceFirst("^([a-zA-Z_$][\\w$]*\\.)+[\\w$]*: ", "");
            if (!said.contains(m)) {
                said = said.isEmpty() ? m : said + ": " + m;
            }
        }
        command.getErr().println("baton " + command.getCommandName() + ": " + said
                + ". Another process listens there; choose another port (see --help).");
        return 1;
    }

    static boolean portInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    private static void withHelp(CommandLine c) {
        c.getCommandSpec().mixinStandardHelpOptions(true);
        c.getSubcommands().values().forEach(Main::withHelp);
    }
}
