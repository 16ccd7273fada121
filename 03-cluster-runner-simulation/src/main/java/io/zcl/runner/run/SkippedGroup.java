package io.zcl.runner.run;

/**
 * A planned group that did not run, and why (too small for the test, already in the journal).
 * Not journaled: the journal holds what ran; the run's outcome and progress events say what did not.
 */
public record SkippedGroup(PlannedGroup group, String reason) {
}
