package io.zcl.runner.journal;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.RunHeader;
import io.zcl.runner.api.TestResult;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Sample journal records for tests; a result's round carries a sequence number to check order. */
final class Records {

    static final Instant T0 = Instant.parse("2026-11-28T15:30:12.250Z");

    private Records() {
    }

    static TestResult result(int seq) {
        return new TestResult("run-1", "gpu_burn", "all_servers", seq, List.of("node-" + (seq % 7 + 1)),
                TestResult.Verdict.PASS, Map.of("gflops", 7000.5 + seq), List.of(), "", List.of("cmd-" + seq),
                T0.plusMillis(seq), 812, "local");
    }

    static RunHeader header() {
        return new RunHeader("run-1", T0, "local", List.of("node-1", "node-2"),
                Map.of("gpu_burn", "all_servers"), Map.of("version", "test"));
    }

    static NodeEvent lost() {
        return new NodeEvent(T0.plusSeconds(5), "node-2", NodeEvent.Kind.LOST, "no heartbeat for 3 s");
    }

    static int seq(TestResult result) {
        return result.round();
    }
}
