package io.zcl.runner.run;

import io.zcl.runner.api.TestResult;

import java.util.List;

/**
 * What one scheduled run of one test produced.
 *
 * @param test     the test's name
 * @param schedule the schedule's name
 * @param results  one per group that ran, in plan order, each already durable in the journal
 * @param skipped  the groups that did not run, in plan order
 */
public record RunOutcome(String test, String schedule, List<TestResult> results, List<SkippedGroup> skipped) {

    public RunOutcome {
        results = List.copyOf(results);
        skipped = List.copyOf(skipped);
    }

    public long count(TestResult.Verdict verdict) {
        return results.stream().filter(r -> r.verdict() == verdict).count();
    }

    /** True when every group that ran passed. */
    public boolean allPassed() {
        return results.stream().allMatch(r -> r.verdict() == TestResult.Verdict.PASS);
    }
}
