package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.patterns.protocol.Messages.Snapshot;
import io.zcl.patterns.protocol.Messages.WorkerRow;
import io.zcl.patterns.protocol.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A monitor that arrives after the cluster formed still sees all of it, at once (Clone pattern). */
class LateMonitorTest {

    @Test
    void aLateMonitorStartsFromTheSnapshotAndSeesEveryWorker() throws Exception {
        EventRecorder events = new EventRecorder();
        List<Worker> workers = new ArrayList<>();
        try (Coordinator c = new Coordinator(Coordinator.Settings.loopback().withHeartbeat(1000, 3).withLog(Log.quiet()),
                List.of()).onEvent(events).start()) {
            for (String name : List.of("w1", "w2", "w3")) {
                workers.add(new Worker(Worker.Settings.of(name, c.tasksEndpoint()).withHeartbeat(1000, 3)
                        .withLog(Log.quiet())).start());
            }
            // Each worker joined (a starved one may join twice at 200 ms x 3; heartbeats are 1000 ms x 3 now).
            await().atMost(Duration.ofSeconds(30)).until(() -> events.ofType(Protocol.TOPIC_JOINED).stream()
                    .map(e -> e.worker()).collect(java.util.stream.Collectors.toSet()).containsAll(List.of("w1", "w2", "w3")));

            try (Monitor monitor = new Monitor(Monitor.Settings.of(c.eventsEndpoint(), c.snapshotEndpoint()).quiet()).start()) {
                Snapshot first = monitor.awaitFirstSnapshot(Duration.ofSeconds(10));

                assertThat(first).as("snapshot received").isNotNull();
                // The joins happened before the monitor existed: only the snapshot can carry them.
                assertThat(first.seq()).isGreaterThanOrEqualTo(3);
                assertThat(first.workers()).extracting(WorkerRow::name).containsExactlyInAnyOrder("w1", "w2", "w3");
                assertThat(first.workers()).extracting(WorkerRow::state).containsOnly("ready");

                // Then it follows events: a new worker shows up in its table.
                workers.add(new Worker(Worker.Settings.of("w4", c.tasksEndpoint()).withHeartbeat(1000, 3)
                        .withLog(Log.quiet())).start());
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> monitor.rows().stream().map(WorkerRow::name).toList().contains("w4"));
                assertThat(monitor.rows()).hasSize(4);
            }
        } finally {
            workers.forEach(Worker::close);
        }
    }
}
