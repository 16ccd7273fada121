package io.zcl.runner.perftools;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.TestResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Collects what {@link PerfTest#evaluate} found, node by node, and turns it into an
 * {@link PerfTest.Evaluation}: FAIL when any node showed evidence against itself (below threshold,
 * faulty, failed, hung), else ERROR when some node's outcome is unknown (lost, did not start,
 * unparseable), else PASS. The reason is one line naming each node with its problem.
 */
final class Findings {

    private static final int MAX_REASON = 600;

    private final String tool;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final List<String> failed = new ArrayList<>();
    private final List<String> errored = new ArrayList<>();
    private final Set<String> blamed = new LinkedHashSet<>();

    Findings(String tool) {
        this.tool = tool;
    }

    void fail(String node, String problem) {
        failed.add(node + ": " + oneLine(problem));
        blamed.add(node);
    }

    void error(String node, String problem) {
        errored.add(node + ": " + oneLine(problem));
        blamed.add(node);
    }

    void metric(String name, double value) {
        if (Double.isFinite(value)) {
            metrics.put(name, value);
        }
    }

    boolean blames(String node) {
        return blamed.contains(node);
    }

    /**
     * Checks how a command ended. Returns the result when it completed (any exit code: the caller
     * reads its output to say why a non-zero exit happened); otherwise records the problem.
     */
    Optional<CommandResult> completed(String node, String commandId, Map<String, CommandResult> results) {
        CommandResult r = results.get(commandId);
        if (r == null) {
            error(node, "no result for " + tool + " command " + commandId);
            return Optional.empty();
        }
        String why = r.error() == null || r.error().isBlank() ? "" : " (" + r.error() + ")";
        switch (r.status()) {
            case COMPLETED -> {
                return Optional.of(r);
            }
            case TIMED_OUT -> fail(node, tool + " timed out after " + r.duration().toSeconds() + " s (hung)" + why);
            case NODE_LOST -> error(node, "node lost while running " + tool + why);
            case FAILED_TO_START -> error(node, tool + " failed to start" + why);
            case CANCELLED -> error(node, tool + " was cancelled" + why);
        }
        return Optional.empty();
    }

    /** "exited N: <the last line it printed>" for a non-zero exit. */
    String exitProblem(CommandResult r) {
        return tool + " exited " + r.exitCode() + lastLine(r).map(l -> ": " + l).orElse("");
    }

    /** The last non-blank line of stderr, else of stdout (after the last \r). */
    static Optional<String> lastLine(CommandResult r) {
        for (String text : List.of(r.stderr(), r.stdout())) {
            String[] lines = text.split("\\r?\\n|\\r");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].isBlank()) {
                    return Optional.of(lines[i].strip());
                }
            }
        }
        return Optional.empty();
    }

    PerfTest.Evaluation evaluation(List<String> group) {
        TestResult.Verdict verdict = !failed.isEmpty() ? TestResult.Verdict.FAIL
                : !errored.isEmpty() ? TestResult.Verdict.ERROR : TestResult.Verdict.PASS;
        List<String> nodes = group.stream().filter(blamed::contains).toList();
        List<String> parts = new ArrayList<>(failed);
        parts.addAll(errored);
        String reason = String.join("; ", parts);
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 3) + "...";
        }
        return new PerfTest.Evaluation(verdict, metrics, nodes, reason);
    }

    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("[\\r\\n\\t]+", " ").strip();
    }
}
