package io.zcl.runner.schedule;

import io.zcl.runner.api.NodeDescriptor;

import java.util.List;

/** Every node is its own group; all groups in one round, so they all run in parallel. */
final class AllServers implements Schedule {

    static final String NAME = "all_servers";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Round> rounds(List<NodeDescriptor> nodes) {
        List<List<String>> groups = ScheduleInputs.ids(NAME, nodes).stream().map(List::of).toList();
        return List.of(new Round(0, groups));
    }
}
