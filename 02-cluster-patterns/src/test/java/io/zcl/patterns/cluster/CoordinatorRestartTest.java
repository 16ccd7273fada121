package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.patterns.protocol.Protocol;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The coordinator goes away and a new one takes its port: the workers find it and say READY again. */
@Tag("slow")
class CoordinatorRestartTest {

    private static final long HEARTBEAT_MS = 200;
    private static final int LIVENESS = 3;

    private static Coordinator.Settings settings(String tasksBind) {
        String any = "tcp://127.0.0.1:*";
        return Coordinator.Settings.loopback().withEndpoints(tasksBind, any, any)
                .withHeartbeat(HEARTBEAT_MS, LIVENESS).withLog(Log.quiet());
    }

    private static Worker worker(String name, String endpoint) {
        return new Worker(Worker.Settings.of(name, endpoint).withHeartbeat(HEARTBEAT_MS, LIVENESS)
                .withReconnect(HEARTBEAT_MS, 4 * HEARTBEAT_MS).withLog(Log.quiet())).start();
    }

    @Test
    void workersRegisterWithARestartedCoordinatorAndGetItsTasks() throws Exception {
        Coordinator first = new Coordinator(settings("tcp://127.0.0.1:*"), Tasks.squares(4, 0)).start();
        String endpoint = first.tasksEndpoint();
        try (Worker w1 = worker("w1", endpoint); Worker w2 = worker("w2", endpoint)) {
            assertThat(first.awaitAllDone(Duration.ofSeconds(20))).isTrue();
            first.close();

            EventRecorder events = new EventRecorder();
            // Twenty tasks of 300 ms: six seconds of work for one worker, so both are back in time to share
            // it (with ten of 200 ms a loaded CI machine once let one worker finish before the other returned).
            // The same port again; should the OS still hold it for a moment, a fresh coordinator retries.
            AtomicReference<Coordinator> restarted = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                restarted.set(new Coordinator(settings(endpoint), Tasks.squares(20, 300)).onEvent(events).start());
                return true;
            });
            try (Coordinator second = restarted.get()) {
                assertThat(second.awaitAllDone(Duration.ofSeconds(30))).isTrue();

                assertThat(events.ofType(Protocol.TOPIC_JOINED)).extracting(e -> e.worker())
                        .contains("w1", "w2");
                assertThat(events.count(Protocol.TOPIC_DISPATCHED, "w1")).isPositive();
                assertThat(events.count(Protocol.TOPIC_DISPATCHED, "w2")).isPositive();
                assertThat(w1.connects()).isGreaterThanOrEqualTo(2);
                assertThat(w2.connects()).isGreaterThanOrEqualTo(2);
                assertThat(second.report().accepted()).hasSize(20);
            }
        } finally {
            first.close();
        }
    }
}
