package io.zcl.runner.journal;

import io.zcl.runner.api.JournalRecord;
import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.OrphanResult;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.TestResult;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything read from a journal file.
 *
 * @param file     the journal
 * @param records  the records that parsed, in file order
 * @param badLines lines that did not parse (reported, not fatal: one bad line must not hide a run)
 */
public record JournalContents(Path file, List<JournalRecord> records, List<BadLine> badLines) {

    public JournalContents {
        records = List.copyOf(records);
        badLines = List.copyOf(badLines);
    }

    /**
     * @param lineNumber 1-based
     * @param reason     why it did not parse
     * @param excerpt    the start of the line, for a human to recognise it
     */
    public record BadLine(long lineNumber, String reason, String excerpt) {
    }

    /** The first run header, if the journal has one (a resumed run appends a second). */
    public Optional<RunHeader> header() {
        return records.stream().filter(RunHeader.class::isInstance).map(RunHeader.class::cast).findFirst();
    }

    public List<RunHeader> headers() {
        return records.stream().filter(RunHeader.class::isInstance).map(RunHeader.class::cast).toList();
    }

    public List<TestResult> testResults() {
        return records.stream().filter(TestResult.class::isInstance).map(TestResult.class::cast).toList();
    }

    public List<NodeEvent> nodeEvents() {
        return records.stream().filter(NodeEvent.class::isInstance).map(NodeEvent.class::cast).toList();
    }

    public List<OrphanResult> orphanResults() {
        return records.stream().filter(OrphanResult.class::isInstance).map(OrphanResult.class::cast).toList();
    }

    /**
     * Every command id the journal accounts for: those of its test results and of its orphan
     * results. A resumed run records a re-sent RESULT only if its id is not among them.
     */
    public Set<String> commandIds() {
        Set<String> ids = new LinkedHashSet<>();
        testResults().forEach(r -> ids.addAll(r.commandIds()));
        orphanResults().forEach(o -> ids.add(o.commandId()));
        return ids;
    }

    /** {@link TestResult#key()} of every result: what a resumed run skips. */
    public Set<String> resultKeys() {
        Set<String> keys = new LinkedHashSet<>();
        testResults().forEach(r -> keys.add(r.key()));
        return keys;
    }
}
