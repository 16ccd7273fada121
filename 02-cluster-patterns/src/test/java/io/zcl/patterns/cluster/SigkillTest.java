package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.patterns.cluster.TaskLedger.Task;
import io.zcl.patterns.heartbeat.Liveness;
import io.zcl.patterns.protocol.Messages.TaskSpec;
import io.zcl.patterns.protocol.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker in its own JVM, killed with SIGKILL: no goodbye, no FIN handling in our code, nothing.
 * Only the heartbeat silence can tell the coordinator, and it must within liveness x interval.
 */
class SigkillTest {

    private static final long HEARTBEAT_MS = 200;
    private static final int LIVENESS = 3;
    /** Slack over liveness x interval for scheduling on a busy 2-core machine. */
    private static final long SLACK_MS = 500;

    @Test
    @SuppressWarnings("try") // the rescuer works for the whole inner block; only the coordinator is asked
    void aKilledWorkerProcessIsDeclaredDeadWithinTheTimeoutAndItsTaskRunsElsewhere(@TempDir Path dir) throws Exception {
        EventRecorder events = new EventRecorder();
        // One task that takes a second: long enough to be in flight on the child when it dies.
        Task slow = new Task("t-001", new TaskSpec(List.of("sh", "-c", "sleep 1; echo 1"), 10_000));
        Process child = null;
        try (Coordinator c = new Coordinator(Coordinator.Settings.loopback().withHeartbeat(HEARTBEAT_MS, LIVENESS)
                .withLog(Log.quiet()), List.of(slow)).onEvent(events).start()) {
            String java = ProcessHandle.current().info().command().orElse("java");
            child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    Cluster.class.getName(), "worker", "--connect", c.tasksEndpoint(), "--name", "child",
                    "--heartbeat-ms", String.valueOf(HEARTBEAT_MS), "--liveness", String.valueOf(LIVENESS))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("child.log").toFile())
                    .start();
            Process running = child;
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                assertThat(running.isAlive()).as("child JVM alive; its log: %s", read(dir.resolve("child.log"))).isTrue();
                return events.workerOf(Protocol.TOPIC_DISPATCHED, "t-001").isPresent();
            });

            long killedAt = Liveness.MONOTONIC_MILLIS.getAsLong();
            child.destroyForcibly();

            await().atMost(Duration.ofSeconds(10)).until(() -> events.first(Protocol.TOPIC_LOST, "child").isPresent());
            EventRecorder.Seen lost = events.first(Protocol.TOPIC_LOST, "child").orElseThrow();
            long detectedMs = lost.atMillis() - killedAt;
            assertThat(detectedMs).isLessThanOrEqualTo(HEARTBEAT_MS * LIVENESS + SLACK_MS);
            assertThat(lost.event().task()).isEqualTo("t-001");
            assertThat(lost.event().silentMs()).isGreaterThanOrEqualTo(HEARTBEAT_MS * LIVENESS);

            // The task it held was re-queued; a new worker picks it up and it counts once.
            try (Worker rescuer = new Worker(Worker.Settings.of("rescuer", c.tasksEndpoint())
                    .withHeartbeat(HEARTBEAT_MS, LIVENESS).withLog(Log.quiet())).start()) {
                assertThat(c.awaitAllDone(Duration.ofSeconds(20))).isTrue();
            }
            assertThat(events.workerOf(Protocol.TOPIC_DONE, "t-001")).contains("rescuer");
            assertThat(c.report().accepted()).hasSize(1);
        } finally {
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
