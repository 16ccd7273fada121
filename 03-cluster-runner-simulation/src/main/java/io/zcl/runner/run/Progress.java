package io.zcl.runner.run;

/**
 * Counts of one scheduled run at a moment, for a progress bar.
 *
 * @param total   groups in the plan
 * @param done    groups finished or skipped (done == total at the end)
 * @param running groups whose commands are running
 * @param passed  finished PASS
 * @param failed  finished FAIL
 * @param errors  finished ERROR
 * @param skipped skipped
 */
public record Progress(int total, int done, int running, int passed, int failed, int errors, int skipped) {
}
