package io.zcl.runner.schedule;

import java.util.List;

/**
 * One round of a schedule: groups of node ids that may run at the same time (no node is in two
 * groups of a round).
 *
 * @param index  0-based position in the plan, recorded in every result as its round
 * @param groups each group's node ids, in the order the test sees them
 */
public record Round(int index, List<List<String>> groups) {

    public Round {
        groups = groups.stream().map(List::copyOf).toList();
    }
}
