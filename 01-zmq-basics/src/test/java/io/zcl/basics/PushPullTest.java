package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.pushpull.PushPull;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PushPullTest {

    @Test
    @Timeout(30)
    void everyTaskIsProcessedExactlyOnceAndSpreadOverAllWorkers() throws Exception {
        PushPull.Result result = PushPull.runDemo(3, 60, line -> { });

        assertThat(result.tasks()).isEqualTo(60);
        assertThat(result.received()).isEqualTo(60);
        assertThat(result.duplicates()).isZero();
        // RFC 30, PUSH: "SHALL route outgoing messages to available peers using a round-robin strategy."
        // All three workers were connected before the first task, so each gets exactly a third.
        assertThat(result.perWorker()).containsOnlyKeys("worker-1", "worker-2", "worker-3");
        assertThat(result.perWorker().values()).containsOnly(20);
    }

    @Test
    @Timeout(90)
    void rolesAsSeparateProcesses() throws Exception {
        try (ChildJvm sink = ChildJvm.start("sink", PushPull.class, "sink", "--endpoint", "tcp://127.0.0.1:*", "--seconds", "60")) {
            String sinkEndpoint = sink.awaitMatch(ChildJvm.BOUND, Duration.ofSeconds(20));
            try (ChildJvm ventilator = ChildJvm.start("ventilator", PushPull.class, "ventilator",
                    "--endpoint", "tcp://127.0.0.1:*", "--sink", sinkEndpoint, "--workers", "2", "--tasks", "20")) {
                String ventilatorEndpoint = ventilator.awaitMatch(ChildJvm.BOUND, Duration.ofSeconds(20));
                try (ChildJvm w1 = worker("w1", ventilatorEndpoint, sinkEndpoint);
                     ChildJvm w2 = worker("w2", ventilatorEndpoint, sinkEndpoint)) {
                    assertThat(ventilator.awaitExit(Duration.ofSeconds(60))).as(ventilator.output()).isZero();
                    assertThat(sink.awaitExit(Duration.ofSeconds(30))).as(sink.output()).isZero();
                    assertThat(w1.awaitExit(Duration.ofSeconds(30))).as(w1.output()).isZero();
                    assertThat(w2.awaitExit(Duration.ofSeconds(30))).as(w2.output()).isZero();
                    assertThat(sink.output())
                            .contains("tasks: 20, results: 20, duplicates: 0")
                            .containsPattern("w1 +10 tasks")
                            .containsPattern("w2 +10 tasks");
                }
            }
        }
    }

    private static ChildJvm worker(String id, String ventilator, String sink) throws Exception {
        // Each stops after its share: the ventilator waits for both, then round-robins 20 tasks.
        return ChildJvm.start(id, PushPull.class, "worker", "--id", id, "--ventilator", ventilator, "--sink", sink,
                "--tasks", "10", "--seconds", "60");
    }
}
