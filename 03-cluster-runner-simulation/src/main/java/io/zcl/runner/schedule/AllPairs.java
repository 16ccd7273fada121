package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Every pair of nodes exactly once (SuperBench's pair-wise pattern): n-1 rounds of n/2 disjoint
 * pairs for even n; odd n gives n rounds in which one node sits out.
 */
final class AllPairs implements Schedule {

    static final String NAME = "all_pairs";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Round> rounds(List<NodeDescriptor> nodes) {
        List<List<List<String>>> pairings = CircleMethod.pairings(ScheduleInputs.atLeastTwo(NAME, nodes));
        List<Round> rounds = new ArrayList<>();
        for (List<List<String>> pairs : pairings) {
            rounds.add(new Round(rounds.size(), pairs));
        }
        return rounds;
    }
}
