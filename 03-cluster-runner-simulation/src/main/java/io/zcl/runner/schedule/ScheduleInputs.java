package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks and views of a schedule's input shared by the schedules. */
final class ScheduleInputs {

    private ScheduleInputs() {
    }

    /** Node ids in order, after checking there is at least one and no id twice. */
    static List<String> ids(String schedule, List<NodeDescriptor> nodes) {
        if (nodes == null || nodes.isEmpty()) {
            throw new IllegalArgumentException(schedule + ": no nodes to schedule");
        }
        Set<String> seen = new HashSet<>();
        List<String> ids = new ArrayList<>();
        for (NodeDescriptor node : nodes) {
            if (!seen.add(node.id())) {
                throw new IllegalArgumentException(schedule + ": node '" + node.id() + "' is listed twice");
            }
            ids.add(node.id());
        }
        return ids;
    }

    static List<String> atLeastTwo(String schedule, List<NodeDescriptor> nodes) {
        List<String> ids = ids(schedule, nodes);
        if (ids.size() < 2) {
            throw new IllegalArgumentException(schedule + ": needs at least 2 nodes, got 1 (" + ids.get(0) + ")");
        }
        return ids;
    }

    /** Node ids by leaf, leaves in order of first appearance, nodes in input order. */
    static Map<String, List<String>> byLeaf(List<NodeDescriptor> nodes) {
        Map<String, List<String>> byLeaf = new LinkedHashMap<>();
        for (NodeDescriptor node : nodes) {
            byLeaf.computeIfAbsent(node.leaf(), leaf -> new ArrayList<>()).add(node.id());
        }
        return byLeaf;
    }

    /**
     * Node ids dealt out one leaf at a time (first node of each leaf, then the second, ...), so
     * any run of consecutive ids spans as many leaves as it can.
     */
    static List<String> interleavedByLeaf(List<NodeDescriptor> nodes) {
        List<List<String>> leaves = new ArrayList<>(byLeaf(nodes).values());
        List<String> order = new ArrayList<>();
        for (int i = 0; order.size() < nodes.size(); i++) {
            for (List<String> leaf : leaves) {
                if (i < leaf.size()) {
                    order.add(leaf.get(i));
                }
            }
        }
        return order;
    }
}
