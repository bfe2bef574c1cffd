package io.baton.deploy;

import io.baton.broker.BrokerConfig;
import io.baton.broker.log.FileSlotLogFactory;
import io.baton.broker.slot.SlotLimits;
import java.util.Locale;
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

    /** Applies these options to {@code b}. */
    BrokerConfig.Builder applyTo(BrokerConfig.Builder b) {
        b.memoryBudget(memoryBudget).diskSpace(new FileSlotLogFactory.Space(diskFreeMin, diskReserve));
        if (queueMaxMessages > 0 || queueMaxBytes > 0) {
            b.limits(SlotLimits.v1().withQueueQuota(queueMaxMessages > 0 ? queueMaxMessages : Long.MAX_VALUE,
                    queueMaxBytes > 0 ? queueMaxBytes : Long.MAX_VALUE));
        }
        return b;
    }

    /** "512k", "256m", "4g", "1048576". */
    static final class ByteSize implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            long unit = 1;
            if (v.endsWith("b")) {
                v = v.substring(0, v.length() - 1);
            }
            switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
            if (unit > 1) {
                v = v.substring(0, v.length() - 1);
            }
            try {
                long n = Long.parseLong(v.trim());
                if (n < 0) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is negative");
                }
                return Math.multiplyExact(n, unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a size (examples: 512k, 256m, 4g)");
            }
        }
    }
}
