package io.baton.deploy;

import io.baton.broker.log.BookKeeperSlotLog;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --ledger-entry-bytes}: how brokers put slot records into BookKeeper entries ({@code baton
 * broker}, and {@code baton dev-cluster}, which passes it on to its brokers).
 */
final class LedgerEntryOptions {
    @Option(names = "--ledger-entry-bytes", defaultValue = "1048576", description = "Slot records that wait together go out as one "
            + "BookKeeper entry of up to this many bytes; 0 writes one record per entry, which brokers before batching can read: "
            + "use it while a rolling upgrade from such brokers is under way (default: ${DEFAULT-VALUE}).")
    int bytes;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    /** The batching asked for; a value out of range is a usage error. */
    BookKeeperSlotLog.Batching batching() {
        try {
            return BookKeeperSlotLog.Batching.forEntryBytes(bytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--ledger-entry-bytes must be 0 (a record per entry) to " + BookKeeperSlotLog.Batching.MAX_ENTRY_BYTES);
        }
    }
}
