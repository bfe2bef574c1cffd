package io.baton.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The first failure is reported, then at most one per interval, each saying how many were not. */
class RepeatedFailuresTest {
    @Test
    void aFailureThatRepeatsIsReportedOncePerIntervalWithTheCountOfTheOthers() {
        RepeatedFailures f = new RepeatedFailures(10);
        assertThat(f.failed(100)).isZero();
        assertThat(f.failed(101)).isEqualTo(-1);
        assertThat(f.failed(105)).isEqualTo(-1);
        assertThat(f.failed(109)).isEqualTo(-1);
        assertThat(f.failed(110)).isEqualTo(3);
        assertThat(f.failed(200)).isZero();
    }
}
