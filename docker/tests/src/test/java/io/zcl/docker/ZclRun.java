package io.zcl.docker;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.ContainerState;

/**
 * One finished {@code zcl run} in the coordinator container: its exit code and output, and the
 * journal it wrote, read back with the runner's own JournalReader.
 */
record ZclRun(int exitCode, String stdout, String stderr, JournalContents journal) {

    private static final Pattern RESULT = Pattern.compile("(?m)^RESULT .*results=(\\d+) .*$");

    /**
     * Runs {@code zcl run --cluster /etc/zcl/cluster.yaml --runs-dir RUNS_DIR --quiet ARGS} in the
     * coordinator container until it exits; runsDir keeps each run's folder apart.
     */
    static ZclRun in(ContainerState coordinator, String runsDir, List<String> args) {
        List<String> argv = new ArrayList<>(List.of("zcl", "run", "--cluster", "/etc/zcl/cluster.yaml",
                "--runs-dir", runsDir, "--quiet"));
        argv.addAll(args);
        try {
            Container.ExecResult r = coordinator.execInContainer(argv.toArray(String[]::new));
            return new ZclRun(r.getExitCode(), r.getStdout(), r.getStderr(), journal(coordinator, runsDir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running zcl run", e);
        }
    }

    /** The journal of the newest run under runsDir as it is now (empty before the run starts). */
    static JournalContents journal(ContainerState coordinator, String runsDir) {
        try {
            Container.ExecResult r = coordinator.execInContainer("cat", runsDir + "/latest/journal.jsonl");
            Path local = Files.createTempFile("zcl-journal-", ".jsonl");
            try {
                Files.writeString(local, r.getExitCode() == 0 ? r.getStdout() : "", StandardCharsets.UTF_8);
                return JournalReader.read(local);
            } finally {
                Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the journal", e);
        }
    }

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
