package io.baton.api;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Which slot a queue lives in: {@code crc32c(project + "/" + name) mod slots}. Brokers, the SDK
 * and the gateway all call this one function, so they always agree.
 */
public final class SlotHash {
    private SlotHash() {}

    public static int slotOf(String project, String queue, int slotCount) {
        CRC32C crc = new CRC32C();
        crc.update((project + "/" + queue).getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % slotCount);
    }
}
