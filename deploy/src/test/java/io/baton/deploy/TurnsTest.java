package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TurnsTest {

    @Test
    void turnsGoABBAAndEveryPairHasOneOfEach() {
        String order = IntStream.range(0, 12).mapToObj(i -> Turns.isB(i) ? "B" : "A").reduce("", String::concat);
        assertThat(order).isEqualTo("ABBAABBAABBA");
    }

    @Test
    void theSummaryComparesBWithAInSumsAndByPair() {
        // Pair 0: A 100/s, B 90/s (0.9); pair 1: B 100/s, A 100/s (1.0); pair 2: A 200/s, B 160/s (0.8).
        List<Turns.Turn> turns = List.of(
                new Turns.Turn(false, 1.0, 100, 1_000_000, 2_000_000),
                new Turns.Turn(true, 1.0, 90, 1_080_000, -1),
                new Turns.Turn(true, 2.0, 200, 2_000_000, 4_000_000),
                new Turns.Turn(false, 1.0, 100, 1_000_000, 2_000_000),
                new Turns.Turn(false, 1.0, 200, 2_000_000, 4_000_000),
                new Turns.Turn(true, 1.0, 160, 1_920_000, 3_200_000));
        Turns.Summary s = Turns.Summary.of(turns);
        assertThat(s.pairs()).isEqualTo(3);
        assertThat(s.aJobsPerSec()).isCloseTo(400 / 3.0, within(1e-9));
        assertThat(s.bJobsPerSec()).isCloseTo(450 / 4.0, within(1e-9));
        assertThat(s.ratio()).isCloseTo((450 / 4.0) / (400 / 3.0), within(1e-9));
        assertThat(s.median()).isCloseTo(0.9, within(1e-9));
        assertThat(s.lowerQuartile()).isCloseTo(0.85, within(1e-9));
        assertThat(s.upperQuartile()).isCloseTo(0.95, within(1e-9));
        assertThat(s.aBenchMicrosPerJob()).isCloseTo(10.0, within(1e-9));
        assertThat(s.bBenchMicrosPerJob()).isCloseTo(5_000_000 / 1e3 / 450, within(1e-9));
        assertThat(s.aBrokerMicrosPerJob()).isCloseTo(20.0, within(1e-9));
        // One B turn could not read the broker's CPU: no figure rather than a wrong one.
        assertThat(s.bBrokerMicrosPerJob()).isNaN();
    }

    @Test
    void runCountsEachTurnAfterItsSettlingPartAndEndsInA() {
        Turns turns = new Turns(200_000_000L, 100_000_000L);
        long[] handled = {0};
        List<Turns.Turn> run = turns.run(2, () -> handled[0] += 10, () -> -1, () -> -1, false);
        assertThat(run).extracting(Turns.Turn::b).containsExactly(false, true);
        assertThat(run).allSatisfy(t -> {
            assertThat(t.seconds()).isPositive();
            assertThat(t.handled()).isEqualTo(10);
            assertThat(t.benchCpuNanos()).isEqualTo(-1);
        });
        assertThat(turns.inB()).isFalse();
    }
}
