package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.patterns.protocol.Protocol;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** Workers that die or freeze mid-task, in one process: every task still counts exactly once. */
@Tag("slow")
class FailureRecoveryTest {

    /** 200 ms x 3: quick, yet a loaded 2-core machine does not fake a death. */
    private static final long HEARTBEAT_MS = 200;
    private static final int LIVENESS = 3;

    private static Coordinator coordinator(int tasks, long taskMs, EventRecorder events) {
        return new Coordinator(Coordinator.Settings.loopback().withHeartbeat(HEARTBEAT_MS, LIVENESS).withLog(Log.quiet()),
                Tasks.squares(tasks, taskMs)).onEvent(events).start();
    }

    private static Worker.Settings worker(String name, Coordinator c) {
        return Worker.Settings.of(name, c.tasksEndpoint()).withHeartbeat(HEARTBEAT_MS, LIVENESS)
                .withReconnect(HEARTBEAT_MS, 8 * HEARTBEAT_MS).withLog(Log.quiet());
    }

    private static void assertEachTaskCountedOnce(Coordinator.Report report, int tasks) {
        List<String> ids = report.accepted().stream().map(Coordinator.Accepted::taskId).toList();
        Set<String> distinct = Set.copyOf(ids);
        assertThat(ids).hasSize(tasks);
        assertThat(distinct).hasSize(tasks);
        long sum = report.accepted().stream().mapToLong(a -> Long.parseLong(a.result().output())).sum();
        assertThat(sum).isEqualTo(Tasks.expectedSum(tasks));
    }

    @Test
    @SuppressWarnings("try") // the workers run for the whole block; only the coordinator is asked
    void aCrashedWorkersTaskIsRunAgainElsewhereAndCountedOnce() throws Exception {
        EventRecorder events = new EventRecorder();
        try (Coordinator c = coordinator(20, 100, events);
             Worker steady = new Worker(worker("steady", c)).start();
             Worker doomed = new Worker(worker("doomed", c).withChaos(1, -1, 0, false)).start()) {

            assertThat(c.awaitAllDone(Duration.ofSeconds(20))).isTrue();

            String heldTask = events.firstSince(Protocol.TOPIC_LOST, "doomed", doomed.chaosAt()).orElseThrow().task();
            assertThat(heldTask).as("doomed died holding a task").isNotNull();
            assertThat(events.workerOf(Protocol.TOPIC_DONE, heldTask)).contains("steady");
            Coordinator.Report report = c.report();
            assertThat(report.requeued()).isPositive();
            assertEachTaskCountedOnce(report, 20);
            assertThat(doomed.isAlive()).isFalse();
            assertThat(events.count(Protocol.TOPIC_DONE, "doomed")).isEqualTo(1);
            assertThat(events.count(Protocol.TOPIC_DONE, "steady")).isEqualTo(19);
        }
    }

    @Test
    @SuppressWarnings("try") // the workers run for the whole block; only the coordinator is asked
    void aStalledWorkersLateResultIsDroppedAndTheWorkerComesBack() throws Exception {
        EventRecorder events = new EventRecorder();
        try (Coordinator c = coordinator(20, 100, events);
             Worker steady = new Worker(worker("steady", c)).start();
             Worker sleepy = new Worker(worker("sleepy", c).withChaos(-1, 1, 2000, false)).start()) {

            assertThat(c.awaitAllDone(Duration.ofSeconds(20))).isTrue();
            String heldTask = events.firstSince(Protocol.TOPIC_LOST, "sleepy", sleepy.chaosAt()).orElseThrow().task();
            assertThat(heldTask).as("sleepy stalled holding a task").isNotNull();
            assertThat(events.workerOf(Protocol.TOPIC_DONE, heldTask)).contains("steady");

            // sleepy wakes, finishes the task it held and reports it: too late, already counted.
            await().atMost(Duration.ofSeconds(10)).until(() -> c.report().duplicatesDropped() == 1);
            // ... then learns the coordinator forgot it, and registers again.
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count(Protocol.TOPIC_JOINED, "sleepy") >= 2);
            assertThat(sleepy.connects()).isGreaterThanOrEqualTo(2);
            assertEachTaskCountedOnce(c.report(), 20);
            assertThat(events.ofType(Protocol.TOPIC_DONE).stream().map(e -> e.task()).collect(Collectors.toSet()))
                    .hasSize(20);
        }
    }
}
