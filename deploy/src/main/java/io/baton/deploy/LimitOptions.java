package io.baton.deploy;

import io.baton.api.ByteSizes;
import io.baton.broker.BrokerConfig;
import io.baton.broker.log.FileSlotLogFactory;
import io.baton.broker.quota.QuotaFile;
import io.baton.broker.slot.SlotLimits;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * A broker's budgets and quotas, shared by the commands that run one. Sizes take a unit: 512k,
 * 256m, 4g (or plain bytes).
 */
final class LimitOptions {
    @Option(names = "--memory-budget", converter = ByteSize.class, description = "Heap the slots' state and writes in flight"
            + " may take before new messages are refused (RESOURCE_EXHAUSTED / 503). Default: a third of the heap, less 256k per slot.")
    long memoryBudget;

    @Option(names = "--disk-free-min", converter = ByteSize.class, defaultValue = "256m", description = "Local disk: refuse new"
            + " messages while less than this is free; deletes, acks and checkpoints still write (default: ${DEFAULT-VALUE}).")
    long diskFreeMin;

    @Option(names = "--disk-reserve", converter = ByteSize.class, defaultValue = "64m", description = "Local disk: a file of this"
            + " size kept on the data disk and released when it fills, so that deletes and acks still fit (default: ${DEFAULT-VALUE}).")
    long diskReserve;

    @Option(names = "--queue-max-messages", defaultValue = "0", description = "Most messages one queue may hold; 0: no quota (default).")
    long queueMaxMessages;

    @Option(names = "--queue-max-bytes", converter = ByteSize.class, defaultValue = "0",
            description = "Most bytes of message bodies one queue may hold; 0: no quota (default).")
    long queueMaxBytes;

    @Option(names = "--project-quotas", paramLabel = "FILE", converter = QuotaFileConverter.class, description = "JSON file"
            + " of per-project quotas (messages and bytes across the cluster, a default and per-project limits); re-read when"
            + " it changes. See docs/OPERATIONS.md.")
    QuotaFile projectQuotas;

    /** Applies these options to {@code b}. */
    BrokerConfig.Builder applyTo(BrokerConfig.Builder b) {
        b.memoryBudget(memoryBudget).diskSpace(new FileSlotLogFactory.Space(diskFreeMin, diskReserve));
        if (projectQuotas != null) {
            b.projectQuotas(projectQuotas);
        }
        if (queueMaxMessages > 0 || queueMaxBytes > 0) {
            b.limits(SlotLimits.v1().withQueueQuota(queueMaxMessages > 0 ? queueMaxMessages : Long.MAX_VALUE,
                    queueMaxBytes > 0 ? queueMaxBytes : Long.MAX_VALUE));
        }
        return b;
    }

    /** Reads the quotas file while the command line is parsed, so a mistake in it is a usage error. */
    static final class QuotaFileConverter implements CommandLine.ITypeConverter<QuotaFile> {
        @Override
        public QuotaFile convert(String value) {
            try {
                return QuotaFile.load(java.nio.file.Path.of(value));
            } catch (java.io.UncheckedIOException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** "512k", "256m", "4g", "1048576" ({@link ByteSizes}). */
    static final class ByteSize implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ByteSizes.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
