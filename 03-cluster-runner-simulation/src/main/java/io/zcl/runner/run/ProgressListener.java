package io.zcl.runner.run;

import io.zcl.runner.api.TestResult;

/**
 * Hears about a scheduled run as it goes, e.g. to draw a progress bar. Called from the runner's
 * threads, possibly several at once: implementations must be thread-safe and quick. An exception
 * thrown here is logged and otherwise ignored.
 */
public interface ProgressListener {

    ProgressListener NONE = new ProgressListener() {
    };

    /** The group has its nodes and its commands are being started. */
    default void groupStarted(PlannedGroup group, Progress progress) {
    }

    /** The group's result is durable in the journal. */
    default void groupFinished(TestResult result, Progress progress) {
    }

    default void groupSkipped(SkippedGroup skipped, Progress progress) {
    }
}
