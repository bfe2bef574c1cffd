package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BookKeeperSlotLogFactoryTest {
    @Test
    void theClientGetsOneThreadOfEachKindPerFourCoresAndAlwaysOne() {
        assertThat(BookKeeperSlotLogFactory.clientThreads(1)).isEqualTo(1);
        assertThat(BookKeeperSlotLogFactory.clientThreads(2)).isEqualTo(1);
        assertThat(BookKeeperSlotLogFactory.clientThreads(7)).isEqualTo(1);
        assertThat(BookKeeperSlotLogFactory.clientThreads(8)).isEqualTo(2);
        assertThat(BookKeeperSlotLogFactory.clientThreads(64)).isEqualTo(16);
    }
}
