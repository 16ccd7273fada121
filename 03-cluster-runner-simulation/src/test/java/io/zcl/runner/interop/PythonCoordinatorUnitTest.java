package io.zcl.runner.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the Python coordinator's own unit tests (integration-plan/python/test_zcr1_coordinator.py:
 * a scripted Python agent, no JVM on the other side) so that CI runs them with the rest.
 */
class PythonCoordinatorUnitTest {

    @Test
    @Timeout(120)
    void thePythonUnitTestsPass() throws Exception {
        PythonCoordinatorInteropTest.requirePythonZmq();
        Path tests = PythonCoordinatorInteropTest.SCRIPT.resolveSibling("test_zcr1_coordinator.py");
        assertThat(tests).exists();
        Process p = new ProcessBuilder(PythonCoordinatorInteropTest.PYTHON.toString(), tests.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("Ran 4 tests").contains("OK");
    }
}
