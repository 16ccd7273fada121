package io.zcl.patterns.cluster;

import io.zcl.patterns.cluster.TaskLedger.Task;
import io.zcl.patterns.protocol.Messages.TaskSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo workload: task n runs {@code sh -c 'sleep S; echo $((n*n))'} as a real process. The
 * squares make the run checkable: the results add up to 1^2 + ... + N^2 only if every task was
 * counted exactly once.
 */
public final class Tasks {

    public static final long TASK_TIMEOUT_MS = 30_000;

    public static List<Task> squares(int count, long sleepMs) {
        List<Task> tasks = new ArrayList<>(count);
        for (int n = 1; n <= count; n++) {
            String script = sleepMs > 0
                    ? String.format(Locale.ROOT, "sleep %.3f; echo $((%d*%d))", sleepMs / 1000.0, n, n)
                    : String.format(Locale.ROOT, "echo $((%d*%d))", n, n);
            tasks.add(new Task(String.format(Locale.ROOT, "t-%03d", n),
                    new TaskSpec(List.of("sh", "-c", script), TASK_TIMEOUT_MS)));
        }
        return tasks;
    }

    /** 1^2 + 2^2 + ... + count^2. */
    public static long expectedSum(int count) {
        long n = count;
        return n * (n + 1) * (2 * n + 1) / 6;
    }

    private Tasks() {
    }
}
