package io.zcl.runner.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A command's result that arrived without a command waiting for it: its agent re-sent it after
 * the coordinator that sent the command died, and this (resumed) coordinator records it rather
 * than drop it. The group it belonged to is not judged from it: that group has no test result in
 * the journal, so the resumed run runs it again. One record per command id (the writer
 * de-duplicates).
 *
 * @param at         when it was received
 * @param nodeId     the node that ran it
 * @param commandId  the command's id (the test's name and node are in it)
 * @param status     how the command ended
 * @param exitCode   exit code, -1 when there was none
 * @param startedAt  when it started on the node
 * @param durationMs how long it ran
 * @param error      why there is no exit code, empty when there is one
 * @param stdoutTail the last {@link #TAIL_CHARS} characters of its standard output
 */
public record OrphanResult(Instant at, String nodeId, String commandId, CommandResult.Status status, int exitCode,
                           Instant startedAt, long durationMs, String error, String stdoutTail)
        implements JournalRecord {

    /** How much of the output is kept: enough to read the tool's summary, small enough for one line. */
    public static final int TAIL_CHARS = 4096;

    public OrphanResult {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(status, "status");
        error = error == null ? "" : error;
        stdoutTail = stdoutTail == null ? "" : stdoutTail;
    }

    public static OrphanResult of(Instant at, CommandResult r) {
        String out = r.stdout();
        return new OrphanResult(at, r.nodeId(), r.commandId(), r.status(), r.exitCode(), r.started(),
                r.duration().toMillis(), r.error(),
                out.length() <= TAIL_CHARS ? out : out.substring(out.length() - TAIL_CHARS));
    }
}
