package io.zcl.docker;

import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * What the docker tests need before they start: a reachable Docker daemon and the cluster image.
 * Without them a developer's build skips the test classes, saying why; CI (env ZCL_CI=true)
 * fails them instead, so a broken docker setup can never pass as "0 tests failed".
 * Use with {@code @ExtendWith(DockerRequirement.class)} on the class.
 */
final class DockerRequirement implements ExecutionCondition {

    /** The image the tests run, built by docker/build-image.sh. */
    static final String IMAGE = System.getProperty("zcl.docker.image", "zcl:local");

    private static final Logger LOG = LoggerFactory.getLogger(DockerRequirement.class);

    /** Checked once per test JVM: null when everything is there, else what is missing. */
    private static volatile String problem;
    private static volatile boolean checked;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = problem();
        if (missing == null) {
            return ConditionEvaluationResult.enabled("Docker daemon and image " + IMAGE + " are there");
        }
        if ("true".equals(System.getenv("ZCL_CI"))) {
            throw new AssertionFailedError("ZCL_CI=true and " + missing);
        }
        String reason = missing + ": docker tests skipped (with ZCL_CI=true this fails instead)";
        LOG.warn("{}: {}", context.getDisplayName(), reason);
        return ConditionEvaluationResult.disabled(reason);
    }

    /**
     * Inside a test: skips it (developer machine) or fails it (env ZCL_CI=true) with the message
     * unless the condition holds, as io.zcl.runner.ssh.Requirements does for outside programs.
     */
    static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if ("true".equals(System.getenv("ZCL_CI"))) {
            Assertions.fail(message + " (ZCL_CI=true: CI must run this test)");
        }
        Assumptions.abort(message + " (with ZCL_CI=true this fails instead)");
    }

    private static synchronized String problem() {
        if (!checked) {
            problem = findProblem();
            checked = true;
        }
        return problem;
    }

    private static String findProblem() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return "no Docker daemon is reachable (as root: docker/dockerd.sh start)";
        }
        try {
            DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
            return null;
        } catch (NotFoundException e) {
            return "the image " + IMAGE + " is not built (docker/build-base-image.sh, then docker/build-image.sh)";
        }
    }
}
