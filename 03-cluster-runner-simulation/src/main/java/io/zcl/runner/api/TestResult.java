package io.zcl.runner.api;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param transport  which transport ran the commands ("local", "zmq", "ssh"); under
 *                   {@code --transport auto} "zmq" or "ssh" when all commands took it, else "zmq+ssh"
 * @param nodeTransports under {@code --transport auto} only: node id -> the transport its command
 *                   took ("zmq" or "ssh"); empty, and left out of the journal line, otherwise
 */
public record TestResult(String runId, String test, String schedule, int round, List<String> nodes,
                         Verdict verdict, Map<String, Double> metrics, List<String> failedNodes, String reason,
                         List<String> commandIds, Instant startedAt, long durationMs, String transport,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> nodeTransports)
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
        nodeTransports = nodeTransports == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nodeTransports));
    }

    /** A result whose commands all took {@code transport} (no per-node transports). */
    public TestResult(String runId, String test, String schedule, int round, List<String> nodes, Verdict verdict,
                      Map<String, Double> metrics, List<String> failedNodes, String reason, List<String> commandIds,
                      Instant startedAt, long durationMs, String transport) {
        this(runId, test, schedule, round, nodes, verdict, metrics, failedNodes, reason, commandIds, startedAt,
                durationMs, transport, Map.of());
    }

    /**
     * The test's transport from its nodes' ones: {@code fallback} when there are none, the value
     * they all share, else "zmq+ssh" (the only transports that mix, under --transport auto).
     */
    public static String combinedTransport(Map<String, String> nodeTransports, String fallback) {
        java.util.Set<String> distinct = new java.util.HashSet<>(nodeTransports.values());
        if (distinct.isEmpty()) {
            return fallback;
        }
        return distinct.size() == 1 ? distinct.iterator().next() : "zmq+ssh";
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
