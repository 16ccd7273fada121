package io.zcl.runner.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What came back from one {@link Command} on one node.
 *
 * @param commandId       the {@link Command#id()} this answers
 * @param nodeId          where it ran
 * @param status          how it ended; only {@link Status#COMPLETED} has a meaningful exit code
 * @param exitCode        the process exit code, or -1 when there was no exit (see status)
 * @param stdout          captured standard output (UTF-8), at most the executor's capture limit
 * @param stderr          captured standard error (UTF-8), same limit
 * @param outputTruncated true when more output was produced than captured here (listeners saw it all)
 * @param started         when the process started on the node
 * @param duration        from start to exit (or to the kill, for a timeout)
 * @param error           why there is no exit code (start failure, node lost, ...), else null
 */
public record CommandResult(String commandId, String nodeId, Status status, int exitCode, String stdout,
                            String stderr, boolean outputTruncated, Instant started, Duration duration,
                            String error) {

    public enum Status {
        /** The process ran and exited; exitCode is its code. */
        COMPLETED,
        /** Killed after exceeding {@link Command#timeout()}. */
        TIMED_OUT,
        /** Cancelled by the caller before it finished. */
        CANCELLED,
        /** The program could not be started (not found, not allowed, bad cwd). */
        FAILED_TO_START,
        /** The node stopped answering while the command ran; its outcome is unknown. */
        NODE_LOST
    }

    public CommandResult {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(status, "status");
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(duration, "duration");
    }

    /** True when the command ran to completion and exited 0. */
    public boolean succeeded() {
        return status == Status.COMPLETED && exitCode == 0;
    }

    /** A result for a command that never produced an exit code. */
    public static CommandResult failed(String commandId, String nodeId, Status status, Instant started,
                                       Duration duration, String error) {
        if (status == Status.COMPLETED) {
            throw new IllegalArgumentException("a failed result cannot be COMPLETED");
        }
        return new CommandResult(commandId, nodeId, status, -1, "", "", false, started, duration, error);
    }
}
