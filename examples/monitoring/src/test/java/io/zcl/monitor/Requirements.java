package io.zcl.monitor;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * External programs a test needs (a copy of the helper in 03's tests). On a developer machine a
 * missing one skips the test with a
 * message saying how to install it; with {@code ZCL_CI=true} (set by CI, which must run these
 * tests) it fails the test instead, so a CI image without the program cannot pass silently.
 */
public final class Requirements {

    /** The variable CI sets; "true" turns a missing program from a skip into a failure. */
    public static final String CI_VARIABLE = "ZCL_CI";

    private Requirements() {
    }

    /** An executable at an absolute path, with the hint printed when it is missing. */
    public static void program(Path executable, String installHint) {
        require(Files.isExecutable(executable), executable + " not installed: " + installHint);
    }

    /** Skips (developer machine) or fails (CI) with the message unless the condition holds. */
    public static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if (inCi()) {
            Assertions.fail(message + " (" + CI_VARIABLE + "=true: CI must run this test)");
        }
        Assumptions.abort(message);
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv(CI_VARIABLE));
    }
}
