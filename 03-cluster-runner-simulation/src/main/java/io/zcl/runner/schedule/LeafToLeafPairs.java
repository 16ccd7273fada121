package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs of nodes on different leaf switches, so traffic crosses the spine. The leaves are paired
 * by the circle method (every pair of leaves meets exactly once: L-1 rounds for an even number of
 * leaves, L for odd, one leaf idle per round). When two leaves meet, their nodes are zipped into
 * min(a, b) disjoint pairs that run together, so one round exercises many cross-leaf paths at
 * once. The bigger leaf of a meeting cannot use all its nodes; it takes them in turn from where
 * its previous meeting stopped, so across its meetings every node of it gets used when the
 * meetings need that many. Leaves of uneven size therefore only change how many pairs a meeting
 * has; a node alone on its leaf still meets every other leaf.
 */
final class LeafToLeafPairs implements Schedule {

    static final String NAME = "leaf_to_leaf_pairs";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Round> rounds(List<NodeDescriptor> nodes) {
        ScheduleInputs.ids(NAME, nodes);
        Map<String, List<String>> byLeaf = ScheduleInputs.byLeaf(nodes);
        if (byLeaf.size() < 2) {
            throw new IllegalArgumentException(NAME + ": needs nodes on at least 2 leaves; all " + nodes.size()
                    + " node(s) are on leaf '" + byLeaf.keySet().iterator().next() + "'");
        }
        Map<String, Integer> next = new HashMap<>();
        List<Round> rounds = new ArrayList<>();
        for (List<List<String>> leafPairs : CircleMethod.pairings(new ArrayList<>(byLeaf.keySet()))) {
            List<List<String>> groups = new ArrayList<>();
            for (List<String> leafPair : leafPairs) {
                List<String> a = byLeaf.get(leafPair.get(0));
                List<String> b = byLeaf.get(leafPair.get(1));
                int pairs = Math.min(a.size(), b.size());
                List<String> fromA = take(a, pairs, next, leafPair.get(0));
                List<String> fromB = take(b, pairs, next, leafPair.get(1));
                for (int i = 0; i < pairs; i++) {
                    groups.add(List.of(fromA.get(i), fromB.get(i)));
                }
            }
            rounds.add(new Round(rounds.size(), groups));
        }
        return rounds;
    }

    /** The next {@code count} nodes of a leaf, wrapping around, continuing where its last meeting stopped. */
    private static List<String> take(List<String> leaf, int count, Map<String, Integer> next, String leafName) {
        int start = next.getOrDefault(leafName, 0);
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            taken.add(leaf.get((start + i) % leaf.size()));
        }
        next.put(leafName, (start + count) % leaf.size());
        return taken;
    }
}
