package io.baton.gateway.v1;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.gateway.testing.Standalone;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The seed walkthrough, {@code examples/curl-walkthrough.sh}, run verbatim with curl against a standalone. */
@ExtendWith(Standalone.Shared.class)
class WalkthroughIT {

    @Test
    void curlWalkthroughScriptSucceedsAgainstAStandalone(Standalone s) throws Exception {
        File script = new File("../examples/curl-walkthrough.sh").getCanonicalFile();
        assertThat(script).exists();
        ProcessBuilder pb = new ProcessBuilder("bash", script.getPath()).redirectErrorStream(true);
        pb.environment().put("BATON_URL", s.baseUrl());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("== claim up to two -> 201").contains("\"ttl\":120").contains("walkthrough OK");
    }
}
