package io.zcl.docker;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One finished {@code zcl run} in the coordinator container: its exit code and output, and the
 * journal it wrote, read back with the runner's own JournalReader.
 */
record ZclRun(int exitCode, String stdout, String stderr, JournalContents journal) {

    private static final Pattern RESULT = Pattern.compile("(?m)^RESULT .*results=(\\d+) .*$");

    List<TestResult> results() {
        return journal.testResults();
    }

    List<NodeEvent> events() {
        return journal.nodeEvents();
    }

    /** The result count that zcl run printed on its RESULT line, if it got that far. */
    Optional<Integer> reportedResults() {
        Matcher m = RESULT.matcher(stdout);
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    List<TestResult> resultsOn(String nodeId) {
        return results().stream().filter(r -> r.nodes().contains(nodeId)).toList();
    }

    List<NodeEvent> eventsOf(String nodeId, NodeEvent.Kind kind) {
        return events().stream().filter(e -> e.nodeId().equals(nodeId) && e.kind() == kind).toList();
    }

    /** For assertion messages: what the run said, so a failure explains itself. */
    String describe() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
}
