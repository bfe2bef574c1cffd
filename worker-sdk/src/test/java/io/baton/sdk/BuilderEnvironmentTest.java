package io.baton.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BatonClient.Builder.fromEnvironment}: the variables every baton command reads. */
class BuilderEnvironmentTest {
    @Test
    void setVariablesOverrideWhatCameBeforeAndUnsetOnesLeaveIt() {
        try (BatonClient c = BatonClient.builder().target("127.0.0.1:7070").project("before")
                .fromEnvironment(Map.of("BATON_PROJECT", "from-env", "BATON_TARGET", "127.0.0.1:1,127.0.0.1:2")).build()) {
            assertThat(c.project()).isEqualTo("from-env");
        }
        try (BatonClient c = BatonClient.builder().target("127.0.0.1:7070").project("kept").fromEnvironment(Map.of()).build()) {
            assertThat(c.project()).isEqualTo("kept");
        }
        // Later calls win over the environment.
        try (BatonClient c = BatonClient.builder().fromEnvironment(Map.of("BATON_PROJECT", "env", "BATON_TARGET", "127.0.0.1:1"))
                .project("explicit").build()) {
            assertThat(c.project()).isEqualTo("explicit");
        }
    }

    @Test
    void aTlsAuthorityThatCannotBeReadIsRefusedAtBuild() {
        assertThatThrownBy(() -> BatonClient.builder().fromEnvironment(Map.of("BATON_TARGET", "127.0.0.1:1",
                "BATON_TLS_CA", "/nonexistent/ca.pem")).build()).isInstanceOf(RuntimeException.class);
    }
}
