package io.zcl.patterns.cluster;

import io.zcl.patterns.protocol.Messages.TaskResult;
import io.zcl.patterns.protocol.Messages.TaskSpec;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where every task is: pending, in flight on a worker, or done. This is what makes at-least-once
 * delivery count exactly once: a task whose worker dies goes back to the front of the queue and
 * may therefore run twice, but only the first result for a task id is accepted; later ones are
 * reported as duplicates and dropped.
 *
 * <p>Not thread-safe: the coordinator's loop thread is its only user.
 */
public final class TaskLedger {

    public record Task(String id, TaskSpec spec) {
    }

    public enum Outcome {
        /** First result for this task: counted. */
        ACCEPTED,
        /** The task already has a result (a late worker, or a re-run): dropped. */
        DUPLICATE,
        /** No such task here, e.g. a result meant for a coordinator that has since restarted. */
        UNKNOWN
    }

    private final Map<String, Task> tasks = new LinkedHashMap<>();
    private final Deque<String> pending = new ArrayDeque<>();
    private final Map<String, String> inFlight = new HashMap<>();
    private final Map<String, TaskResult> done = new LinkedHashMap<>();
    private int duplicates;
    private int requeued;

    public void add(Task task) {
        if (tasks.putIfAbsent(task.id(), task) != null) {
            throw new IllegalArgumentException("task id used twice: " + task.id());
        }
        pending.addLast(task.id());
    }

    public boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Takes the oldest pending task and records it as running on {@code worker}. */
    public Optional<Task> dispatch(String worker) {
        String id = pending.pollFirst();
        if (id == null) {
            return Optional.empty();
        }
        inFlight.put(id, worker);
        return Optional.of(tasks.get(id));
    }

    /** Records a result; only the first one for a task id is ACCEPTED. */
    public Outcome complete(String taskId, TaskResult result) {
        if (!tasks.containsKey(taskId)) {
            return Outcome.UNKNOWN;
        }
        if (done.containsKey(taskId)) {
            duplicates++;
            return Outcome.DUPLICATE;
        }
        done.put(taskId, result);
        inFlight.remove(taskId);
        // A late result can beat the re-run of a re-queued task: then the re-run is not needed.
        pending.remove(taskId);
        return Outcome.ACCEPTED;
    }

    /**
     * Puts a task back at the front of the queue because {@code worker}, which had it, is gone.
     * Does nothing if the task is done or has since moved to another worker.
     */
    public boolean requeue(String taskId, String worker) {
        if (done.containsKey(taskId) || !worker.equals(inFlight.get(taskId))) {
            return false;
        }
        inFlight.remove(taskId);
        pending.addFirst(taskId);
        requeued++;
        return true;
    }

    public int total() {
        return tasks.size();
    }

    public int doneCount() {
        return done.size();
    }

    public int pendingCount() {
        return pending.size();
    }

    public int inFlightCount() {
        return inFlight.size();
    }

    public boolean allDone() {
        return done.size() == tasks.size();
    }

    /** Results that arrived for a task already done, and were dropped. */
    public int duplicatesDropped() {
        return duplicates;
    }

    public int requeuedCount() {
        return requeued;
    }
}
