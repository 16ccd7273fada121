package io.zcl.runner.run;

import java.util.List;

/**
 * One group of one test as the schedule planned it.
 *
 * @param test     the test's name
 * @param schedule the schedule's name
 * @param round    the round it belongs to (0-based)
 * @param nodes    the node ids, in schedule order
 */
public record PlannedGroup(String test, String schedule, int round, List<String> nodes) {

    public PlannedGroup {
        nodes = List.copyOf(nodes);
    }

    /** Same form as {@link io.zcl.runner.api.TestResult#key()}, so journaled results can be matched on resume. */
    public String key() {
        return test + "/" + schedule + "@" + String.join(",", nodes);
    }
}
