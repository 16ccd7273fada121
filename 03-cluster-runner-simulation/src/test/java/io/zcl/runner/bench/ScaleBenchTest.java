package io.zcl.runner.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;

/** The scale benchmark at a small scale: agents in two child JVMs, every command exactly once. */
@Timeout(120)
@Tag("slow")
class ScaleBenchTest {

    @Test
    void everyCommandCompletesExactlyOnceAcrossTwoAgentJvms() throws Exception {
        ScaleBench.Result r = ScaleBench.run(new ScaleBench.Settings(60, 1200, 64, 2, 1000, 1, 2), System.out::println);
        System.out.println(r.markdown("ScaleBenchTest"));
        assertThat(r.completed()).isEqualTo(1200);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicated()).isZero();
        assertThat(r.notCompleted()).isZero();
        assertThat(r.orphanResults()).isZero();
        assertThat(r.protocolErrors()).isZero();
        // Idle, each agent and the coordinator exchange about one heartbeat per second each way (48-60/s
        // here): never a storm, and never none. The lower bound is far below nominal because the rate is
        // counted in real time, which a loaded machine stretches (29.99/s under stress-ng --cpu 2).
        assertThat(r.idleHeartbeatsInPerSec()).isBetween(10.0, 120.0);
        assertThat(r.idleHeartbeatsOutPerSec()).isBetween(10.0, 120.0);
        assertThat(r.childThreadsMax()).isPositive();
    }
}
