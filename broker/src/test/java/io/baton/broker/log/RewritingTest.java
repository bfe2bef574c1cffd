package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RewritingTest {
    @Test
    void storageIsWorthRewritingOnceMostOfTheBodiesPlacedInItAreDead() {
        assertThat(Rewriting.worthIt(400, 1_000, 2_500)).as("four bodies in ten live, though a sixth of the storage").isTrue();
        assertThat(Rewriting.worthIt(600, 1_000, 2_500)).isFalse();
        assertThat(Rewriting.worthIt(1_000, 1_000, 2_500)).as("every body live, whatever index lies beside them").isFalse();
    }

    @Test
    void storageMostlyDeadByItsSizeIsRewrittenWhateverItsBodies() {
        assertThat(Rewriting.worthIt(100, 100, 700)).as("a seventh of it live: not yet").isFalse();
        assertThat(Rewriting.worthIt(100, 100, 801)).as("under an eighth of it live").isTrue();
    }

    @Test
    void storageWhoseBodiesAreNotKnownIsJudgedByItsSize() {
        assertThat(Rewriting.worthIt(400, -1, 1_000)).isTrue();
        assertThat(Rewriting.worthIt(600, -1, 1_000)).isFalse();
    }

    @Test
    void storageWithNothingLiveIsNotRewrittenButLetGo() {
        assertThat(Rewriting.worthIt(0, 1_000, 1_000)).isFalse();
    }
}
