package io.baton.deploy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** One {@code baton ARGS --target TARGET} run in this JVM: its exit code and what it printed (stdout and stderr). */
record CliRun(int exit, String output) {
    static CliRun of(String target, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--target";
        all[args.length + 1] = target;
        return command(all);
    }

    /** One {@code baton ARGS} run in this JVM, as given. */
    static CliRun command(String... all) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new CliRun(new CommandLine(new Main()).execute(all), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
