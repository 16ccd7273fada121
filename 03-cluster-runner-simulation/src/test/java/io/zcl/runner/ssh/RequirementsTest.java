package io.zcl.runner.ssh;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing program skips on a developer machine and fails in CI (ZCL_CI=true). */
class RequirementsTest {

    @Test
    void aMissingProgramSkipsOutsideCiAndFailsInCi() {
        Class<? extends Throwable> expected = Requirements.inCi() ? AssertionFailedError.class : TestAbortedException.class;

        assertThatThrownBy(() -> Requirements.require(false, "frobnicator not installed: apt-get install frobnicator"))
                .isInstanceOf(expected).hasMessageContaining("apt-get install frobnicator");
        assertThatCode(() -> Requirements.require(true, "present")).doesNotThrowAnyException();
    }
}
