package io.zcl.runner.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The verdict of one perf test on one group of nodes.
 *
 * @param runId      the run this belongs to
 * @param test       the test's name, e.g. "gpu_burn", "nccl_all_reduce", "ib_write_bw"
 * @param schedule   the schedule that formed the group, e.g. "all_servers", "leaf_to_leaf_pairs"
 * @param round      the schedule round the group ran in (0-based)
 * @param nodes      the group, in schedule order
 * @param verdict    PASS, FAIL (ran, below threshold or faulty) or ERROR (could not run or parse)
 * @param metrics    named figures, e.g. "busbw_gbps" (the group's figure) and per node
 *                   "busbw_gbps.node-3"; units are in the name
 * @param failedNodes the nodes to blame when the verdict is not PASS (may be empty when unknown)
 * @param reason     one line saying why it failed, empty when PASS
 * @param commandIds the commands that produced it, for tracing and de-duplication on resume
 * @param startedAt  when the group started
 * @param durationMs how long the group took
 * @param transport  which transport ran the commands ("local", "zmq", "ssh")
 */
public record TestResult(String runId, String test, String schedule, int round, List<String> nodes,
                         Verdict verdict, Map<String, Double> metrics, List<String> failedNodes, String reason,
                         List<String> commandIds, Instant startedAt, long durationMs, String transport)
        implements JournalRecord {

    public enum Verdict { PASS, FAIL, ERROR }

    public TestResult {
        Objects.requireNonNull(test, "test");
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(verdict, "verdict");
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(metrics));
        failedNodes = failedNodes == null ? List.of() : List.copyOf(failedNodes);
        reason = reason == null ? "" : reason;
        commandIds = commandIds == null ? List.of() : List.copyOf(commandIds);
    }

    /**
     * Identifies (test, schedule, group) within a run, e.g. "nccl_all_reduce/leaf_to_leaf_pairs@node-1,node-5":
     * the unit that a resumed run skips when already journaled. The schedule is part of it because
     * a plan may run one test over two schedules that form the same group.
     */
    public String key() {
        return test + "/" + schedule + "@" + String.join(",", nodes);
    }
}
