package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.List;

/**
 * How a test's groups are formed from the cluster's nodes: rounds of disjoint groups. The same
 * nodes always give the same plan (no randomness), so a resumed run finds the same groups.
 */
public interface Schedule {

    /** The name recorded in the journal, e.g. "leaf_to_leaf_pairs". */
    String name();

    /**
     * The plan for these nodes.
     *
     * @throws IllegalArgumentException with a one-line reason when the nodes cannot be scheduled
     *                                  this way (none at all, duplicate ids, a single leaf for
     *                                  leaf-to-leaf pairs, fewer than two nodes for pairs)
     */
    List<Round> rounds(List<NodeDescriptor> nodes);

    /** Every node alone, all in one round: single-node tests such as gpu-burn. */
    static Schedule allServers() {
        return new AllServers();
    }

    /** Pairs across leaf switches, every pair of leaves at least once. */
    static Schedule leafToLeafPairs() {
        return new LeafToLeafPairs();
    }

    /** Groups of 2, 4, 8, ... and finally all nodes, each size one round, spread across leaves. */
    static Schedule increasingSizeGroups() {
        return new IncreasingSizeGroups();
    }

    /** Every pair of nodes exactly once, by the circle method. */
    static Schedule allPairs() {
        return new AllPairs();
    }

    /** The schedule with this journal name. */
    static Schedule byName(String name) {
        return switch (name) {
            case AllServers.NAME -> allServers();
            case LeafToLeafPairs.NAME -> leafToLeafPairs();
            case IncreasingSizeGroups.NAME -> increasingSizeGroups();
            case AllPairs.NAME -> allPairs();
            default -> throw new IllegalArgumentException(
                    "unknown schedule '" + name + "'; known: " + String.join(", ", names()));
        };
    }

    static List<String> names() {
        return List.of(AllServers.NAME, LeafToLeafPairs.NAME, IncreasingSizeGroups.NAME, AllPairs.NAME);
    }
}
