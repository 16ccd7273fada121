package io.zcl.runner.run;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.CommandResult.Status;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.PerfTest.Evaluation;
import io.zcl.runner.api.PerfTest.NodeCommand;
import io.zcl.runner.api.TestResult.Verdict;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a group's command results into its verdict. The runner decides what the test cannot
 * judge; the test judges the output:
 * <ul>
 *   <li>a command that did not complete: TIMED_OUT is FAIL (a hang is a fault of that node);
 *       FAILED_TO_START, NODE_LOST and CANCELLED are ERROR (the test could not run). The test's
 *       evaluate is not called, since its output is partial.</li>
 *   <li>all completed: the test's evaluate decides; if it throws or returns null, ERROR.</li>
 *   <li>a PASS is never allowed to hide a non-zero exit: it becomes FAIL for those nodes.</li>
 * </ul>
 */
final class GroupVerdict {

    private GroupVerdict() {
    }

    /** Checks the commands a test returned: at least one, each on a node of the group, ids unique. */
    static String invalidCommands(List<String> group, List<NodeCommand> commands) {
        if (commands == null || commands.isEmpty()) {
            return "the test produced no commands for this group";
        }
        Set<String> ids = new HashSet<>();
        for (NodeCommand command : commands) {
            if (command == null || command.command() == null || command.nodeId() == null) {
                return "the test produced an empty command";
            }
            if (!group.contains(command.nodeId())) {
                return "the test produced a command for " + command.nodeId() + ", which is not in the group";
            }
            if (!ids.add(command.command().id())) {
                return "the test produced two commands with id " + command.command().id();
            }
        }
        return null;
    }

    static Evaluation judge(PerfTest test, List<String> group, List<NodeCommand> commands,
                            Map<String, CommandResult> results) {
        List<String> failedNodes = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        boolean couldNotRun = false;
        for (NodeCommand command : commands) {
            CommandResult result = results.get(command.command().id());
            if (result.status() != Status.COMPLETED) {
                couldNotRun |= result.status() != Status.TIMED_OUT;
                addOnce(failedNodes, command.nodeId());
                reasons.add(command.nodeId() + ": " + result.status()
                        + (result.error() == null || result.error().isEmpty() ? "" : " (" + result.error() + ")"));
            }
        }
        if (!reasons.isEmpty()) {
            return new Evaluation(couldNotRun ? Verdict.ERROR : Verdict.FAIL, Map.of(), failedNodes, String.join("; ", reasons));
        }

        Evaluation evaluation;
        try {
            evaluation = test.evaluate(group, commands, results);
        } catch (RuntimeException e) {
            return new Evaluation(Verdict.ERROR, Map.of(), List.of(), "evaluate failed: " + describe(e));
        }
        if (evaluation == null) {
            return new Evaluation(Verdict.ERROR, Map.of(), List.of(), "evaluate returned nothing");
        }
        if (evaluation.verdict() == Verdict.PASS) {
            for (NodeCommand command : commands) {
                int exit = results.get(command.command().id()).exitCode();
                if (exit != 0) {
                    addOnce(failedNodes, command.nodeId());
                    reasons.add("exit code " + exit + " on " + command.nodeId());
                }
            }
            if (!reasons.isEmpty()) {
                return new Evaluation(Verdict.FAIL, evaluation.metrics(), failedNodes,
                        String.join("; ", reasons) + " (the test's evaluate said PASS)");
            }
        }
        return evaluation;
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Journal reasons are one line. */
    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static void addOnce(List<String> list, String value) {
        if (!list.contains(value)) {
            list.add(value);
        }
    }
}
