package io.baton.broker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    @Test
    void growthIsAdmittedUntilTheBudgetAndAgainOnceReleasedOrDrained() {
        Admission a = new Admission(1000, () -> null);
        assertThat(a.admit(600)).isNull();
        assertThat(a.admit(300)).isNull();
        assertThat(a.admit(200)).contains("memory budget");
        assertThat(a.refused()).isEqualTo(1);
        a.release(600);
        a.heldChanged(500); // the first write applied: now held by a slot
        assertThat(a.admit(200)).isNull();
        assertThat(a.admit(100)).contains("memory budget");
        a.heldChanged(-500); // workers drained it
        assertThat(a.admit(100)).isNull();
        assertThat(a.used()).isEqualTo(600);
    }

    @Test
    void storageCanRefuseGrowthWhateverTheBudget() {
        AtomicReference<String> disk = new AtomicReference<>("disk nearly full");
        Admission a = new Admission(1 << 20, disk::get);
        assertThat(a.admit(1)).isEqualTo("disk nearly full");
        disk.set(null);
        assertThat(a.admit(1)).isNull();
    }

    @Test
    void theDefaultBudgetIsAThirdOfTheHeapLessAnAllowancePerSlot() {
        assertThat(Admission.defaultMemoryBudget(3L << 30, 16)).isEqualTo((1024L << 20) - (4L << 20));
        assertThat(Admission.defaultMemoryBudget(128L << 20, 256)).isEqualTo(16L << 20);
    }
}
