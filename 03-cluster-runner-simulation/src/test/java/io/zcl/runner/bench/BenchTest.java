package io.zcl.runner.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A small benchmark run: proves the harness measures and reports; the real run is ./zcl bench. */
class BenchTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aSmallZmqRunMeasuresEverySeriesAndWritesJsonMarkdownAndCharts() throws Exception {
        List<String> steps = new ArrayList<>();
        Bench.Settings settings = new Bench.Settings(List.of(1, 4), 30, 10, 2, 1024 * 1024, 300, List.of("zmq"));
        Bench.Report report = new Bench(settings, steps::add).run(Contenders.all(300));

        assertThat(report.latencies()).extracting(Bench.Latency::name)
                .containsExactly("spawn (floor)", "zmq", "zmq no-spawn");
        assertThat(report.latencies()).allSatisfy(l -> {
            assertThat(l.count()).isEqualTo(30);
            assertThat(l.p50Ms()).isPositive().isLessThanOrEqualTo(l.p99Ms());
        });
        assertThat(report.sizes()).extracting(Bench.SizeResult::nodes).containsExactly(1, 4);
        assertThat(report.sizes()).allSatisfy(s -> {
            assertThat(s.fanoutMs()).hasSize(2);
            assertThat(s.commandsPerSecond()).isPositive();
            // killed agents are noticed within liveness x interval (+ scheduling slack)
            assertThat(s.detectionMs()).isNotNull().isBetween(0.0, 3 * 300.0 + 1500);
            // counted (the kill's own losses are not), so bench.md can say when agents dropped out mid-measurement
            assertThat(s.lostWhileMeasuring()).isNotNull().isNotNegative();
        });
        assertThat(report.streamMs()).containsKey("zmq");
        assertThat(steps).isNotEmpty();

        BenchReport.write(report, dir, "./zcl bench --nodes 1,4");
        assertThat(Files.readString(dir.resolve("bench.md"))).contains("## Targets", "ZeroMQ round trip without spawn",
                "nodes lost while measured |");
        assertThat(Files.readString(dir.resolve("bench.json"))).contains("\"p50_ms\"");
        assertThat(Files.readString(dir.resolve("latency-cdf.svg"))).startsWith("<svg").contains("polyline");
        assertThat(Files.readString(dir.resolve("makespan.svg"))).startsWith("<svg").contains("circle");
    }
}
