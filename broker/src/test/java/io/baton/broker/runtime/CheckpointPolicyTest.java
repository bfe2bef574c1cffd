package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckpointPolicyTest {
    private static final long MIB = 1 << 20;
    private final CheckpointPolicy policy = new CheckpointPolicy(8 * MIB);

    @Test
    void aLogOfMostlyDeadRecordsIsCutOnceItPassesTheFloorAndFourTimesTheLiveState() {
        assertThat(policy.due(MIB - 1, 0, 0, 0)).as("below the 1 MiB floor").isFalse();
        assertThat(policy.due(MIB, 0, 0, 0)).isTrue();
        assertThat(policy.due(4 * MIB, MIB, MIB / 2, MIB / 2)).as("live state is more than a quarter").isFalse();
        assertThat(policy.due(6 * MIB, MIB, MIB / 2, MIB / 2)).isTrue();
    }

    @Test
    void aSmallerMinimumLowersTheFloor() {
        assertThat(new CheckpointPolicy(256 << 10).due(256 << 10, 0, 0, 0)).isTrue();
    }

    @Test
    void aDrainedBacklogIsCutWhenThreeQuartersOfItsBodiesAreGone() {
        assertThat(policy.due(1, 10 * MIB, 30 * MIB, 100 * MIB)).isFalse();
        assertThat(policy.due(1, 10 * MIB, 25 * MIB, 100 * MIB)).isTrue();
    }

    @Test
    void aGrowingBacklogIsCutPastTheGrowthFloorAndFourTimesItsIndex() {
        long growth = policy.growthBytes();
        assertThat(growth).isEqualTo(64 * MIB);
        assertThat(policy.due(growth - 1, MIB, 10 * growth, 0)).isFalse();
        assertThat(policy.due(growth, MIB, 10 * growth, 0)).isTrue();
        assertThat(policy.due(growth, growth, 10 * growth, 0)).as("a large index waits for four times its size").isFalse();
        assertThat(policy.due(4 * growth, growth, 10 * growth, 0)).isTrue();
    }

    @Test
    void theNextLookComesAfterAtLeastAMebibyteOrHalfTheIndex() {
        assertThat(policy.nextLook(5, 0)).isEqualTo(5 + MIB);
        assertThat(policy.nextLook(5, 10 * MIB)).isEqualTo(5 + 5 * MIB);
    }
}
