package io.zcl.patterns.protocol;

import java.util.List;

/** The bodies that travel in the frames of {@link Protocol}, each encoded by {@link Codec}. */
public final class Messages {

    /** TASK body: a command to run. The worker starts it with ProcessBuilder, no shell unless argv asks. */
    public record TaskSpec(List<String> argv, long timeoutMs) {
    }

    /** RESULT body: what the command did. Output is trimmed and capped by the worker. */
    public record TaskResult(int exitCode, String output, long elapsedMs) {
    }

    /**
     * One state change at the coordinator, published on the event socket. {@code seq} grows by one
     * per event, so a subscriber can drop what its snapshot already holds and notice a gap;
     * {@code epoch} changes when a coordinator restarts (its seq starts again from zero).
     * {@code at} is the coordinator's monotonic clock in ms: only comparable inside its process.
     *
     * @param worker   the worker concerned, or null
     * @param task     the task concerned, or null
     * @param silentMs for worker.lost: how long the coordinator had heard nothing from it
     */
    public record Event(String type, long epoch, long seq, long at, String worker, String task, long silentMs) {
    }

    /** One row of the monitor's table. State is ready, busy or lost. */
    public record WorkerRow(String name, String state, String task, int done, long heartbeatAgeMs) {
    }

    /** The whole cluster as the coordinator sees it, as of event {@code seq}. */
    public record Snapshot(long epoch, long seq, List<WorkerRow> workers,
                           int tasksTotal, int tasksDone, int tasksPending, int tasksInFlight) {
    }

    private Messages() {
    }
}
