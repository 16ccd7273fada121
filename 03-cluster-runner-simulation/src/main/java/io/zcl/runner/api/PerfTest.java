package io.zcl.runner.api;

import java.util.List;
import java.util.Map;

/**
 * One kind of perf test (gpu-burn, NCCL all_reduce, ib_write_bw): which commands a group runs,
 * and how their results become a verdict. The runner runs a group's commands concurrently, one
 * or more per node, waits for all of them, then calls {@link #evaluate}.
 */
public interface PerfTest {

    /** Stable name used in the journal and plans, e.g. "nccl_all_reduce". */
    String name();

    /** How many nodes a group needs at least (1 for gpu_burn, 2 for ib_write_bw). */
    int minGroupSize();

    /** The commands to run for this group, each tagged with its node. */
    List<NodeCommand> commands(List<String> group, OperationalContext ctx);

    /**
     * Turns the group's results (one per command, keyed by command id) into a verdict. Must not
     * throw on garbage output: unparseable output is an ERROR verdict with the reason.
     */
    Evaluation evaluate(List<String> group, List<NodeCommand> commands, Map<String, CommandResult> results);

    /** A command bound to the node it runs on. */
    record NodeCommand(String nodeId, Command command) {
    }

    /** The test-specific part of a {@link TestResult}. */
    record Evaluation(TestResult.Verdict verdict, Map<String, Double> metrics, List<String> failedNodes,
                      String reason) {
        public Evaluation {
            metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
            failedNodes = failedNodes == null ? List.of() : List.copyOf(failedNodes);
            reason = reason == null ? "" : reason;
        }
    }
}
