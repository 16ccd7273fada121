package io.zcl.runner.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * First record of every journal: what ran, where, over which transport.
 *
 * @param runId     the run's id (also its folder name under runs/)
 * @param startedAt when the run started
 * @param transport "local", "zmq" or "ssh"
 * @param nodes     node ids in the cluster at start
 * @param plan      test name -> schedule name, in plan order
 * @param settings  free-form settings worth keeping (version, faults injected, thresholds)
 */
public record RunHeader(String runId, Instant startedAt, String transport, List<String> nodes,
                        Map<String, String> plan, Map<String, String> settings) implements JournalRecord {

    public RunHeader {
        nodes = List.copyOf(nodes);
        plan = plan == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(plan));
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }
}
