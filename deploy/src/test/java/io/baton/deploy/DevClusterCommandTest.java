package io.baton.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How dev-cluster starts its children's JVMs: as bin/baton started it, each with its own heap. */
class DevClusterCommandTest {
    @Test
    void childrenGetTheLaunchersOptionsAndArchiveButTheirOwnHeap() {
        List<String> parent = List.of("--add-opens=java.base/java.io=ALL-UNNAMED", "-XX:MaxTenuringThreshold=2",
                "-XX:+UseTransparentHugePages", "-XX:SharedArchiveFile=/opt/baton/deploy/target/baton-jdk17.0.15.jsa",
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Xmx4g", "-Xms1g", "-XX:+AlwaysPreTouch",
                "-Dio.netty.leakDetection.level=paranoid", "-javaagent:/tmp/jacoco.jar");
        List<String> child = DevClusterCommand.childJvmOptions(parent);
        assertThat(child).contains("-XX:SharedArchiveFile=/opt/baton/deploy/target/baton-jdk17.0.15.jsa", "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off", "-XX:+UseTransparentHugePages", "-XX:+AlwaysPreTouch")
                .doesNotContain("-Xmx4g", "-Xms1g", "-Dio.netty.leakDetection.level=paranoid", "-javaagent:/tmp/jacoco.jar")
                .endsWith("-Xmx512m");
        assertThat(child).filteredOn(a -> a.startsWith("--add-opens")).hasSize(1);
        assertThat(child).filteredOn(a -> a.startsWith("-XX:MaxTenuringThreshold")).hasSize(1);
    }

    @Test
    void aParentStartedWithoutTheLauncherStillGivesTheOptionsBrokersNeed() {
        assertThat(DevClusterCommand.childJvmOptions(List.of("-Xint", "-XX:ArchiveClassesAtExit=/tmp/x.jsa")))
                .containsExactly("--add-opens=java.base/java.io=ALL-UNNAMED", "-XX:MaxTenuringThreshold=2", "-Xmx512m");
    }
}
