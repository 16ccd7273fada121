package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups of 2, 4, 8, ... nodes and finally all N (when N is not a power of two), one round per
 * size, so a collective that is fine at 8 nodes and slow at 16 shows where scaling breaks. Each
 * round splits the cluster into as many disjoint groups of that size as fit (N/size, rounded
 * down), which tests every node at small sizes; the N mod size nodes left over sit that round
 * out. Nodes are dealt across leaves first, so a group spans as many leaves as it can and its
 * traffic crosses the fabric rather than staying under one switch.
 */
final class IncreasingSizeGroups implements Schedule {

    static final String NAME = "increasing_size_groups";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Round> rounds(List<NodeDescriptor> nodes) {
        int n = ScheduleInputs.atLeastTwo(NAME, nodes).size();
        List<String> order = ScheduleInputs.interleavedByLeaf(nodes);
        List<Round> rounds = new ArrayList<>();
        for (int size : sizes(n)) {
            List<List<String>> groups = new ArrayList<>();
            for (int start = 0; start + size <= n; start += size) {
                groups.add(order.subList(start, start + size));
            }
            rounds.add(new Round(rounds.size(), groups));
        }
        return rounds;
    }

    /** 2, 4, 8, ... up to n, plus n itself when it is not a power of two. */
    static List<Integer> sizes(int n) {
        List<Integer> sizes = new ArrayList<>();
        for (int size = 2; size <= n; size *= 2) {
            sizes.add(size);
            if (size > n / 2) {
                break;
            }
        }
        if (sizes.get(sizes.size() - 1) != n) {
            sizes.add(n);
        }
        return sizes;
    }
}
