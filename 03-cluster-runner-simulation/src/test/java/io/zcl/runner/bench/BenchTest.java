package io.zcl.runner.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** A small benchmark run: proves the harness measures and reports; the real run is ./zcl bench. */
@Tag("slow")
class BenchTest {

    /**
     * Heartbeat of the bench's agents here: liveness 3 x 2 s, not 3 x 300 ms, so agents on a loaded
     * 2-core machine are not declared lost in the middle of a measurement.
     */
    static final int HEARTBEAT_MS = 2_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aSmallZmqRunMeasuresEverySeriesAndWritesJsonMarkdownAndCharts() throws Exception {
        List<String> steps = new ArrayList<>();
        Bench.Settings settings = new Bench.Settings(List.of(1, 4), 30, 10, 2, 1024 * 1024, HEARTBEAT_MS, List.of("zmq"));
        Bench.Report report = new Bench(settings, steps::add).run(Contenders.all(HEARTBEAT_MS));

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
            // killed agents are noticed after more than one silent interval (the last heartbeat came at
            // most one interval before the kill) and about liveness x interval after it; the upper
            // bound is far from that, so a descheduled coordinator on a loaded machine does not fail it
            assertThat(s.detectionMs()).isNotNull().isBetween(1.0 * HEARTBEAT_MS, 3.0 * HEARTBEAT_MS + 10_000);
            // counted (the kill's own losses are not), so bench.md can say when agents dropped out mid-measurement
            assertThat(s.lostWhileMeasuring()).isNotNull().isNotNegative();
        });
        assertThat(report.streamMs()).containsKey("zmq");
        // CPU per command, read from /proc: the bare spawn costs CPU, and so does each `true` on the
        // agents' side; every phase is listed with its commands
        assertThat(report.cpu()).extracting(c -> c.transport() + ": " + c.phase() + " @" + c.nodes()).containsExactly(
                "spawn (floor): `true` spawned and reaped by this JVM @1", "zmq: round trips of `true` @1",
                "zmq: round trips of the built-in no-op @1", "zmq: sustained `true` @1", "zmq: sustained `true` @4");
        assertThat(report.cpu().get(0).coordinatorMs()).isPositive();
        assertThat(report.cpu().get(1).nodeMs()).as("the farm JVM spawned and reaped 30 measured `true`s").isPositive();
        assertThat(report.cpu()).allSatisfy(c -> {
            assertThat(c.commands()).isPositive();
            assertThat(c.coordinatorMs()).isNotNull().isNotNegative();
        });
        assertThat(report.cpu().subList(1, 5)).allSatisfy(c -> assertThat(c.nodeMs()).isNotNull().isNotNegative());
        assertThat(steps).isNotEmpty();

        BenchReport.write(report, dir, "./zcl bench --nodes 1,4");
        assertThat(Files.readString(dir.resolve("bench.md"))).contains("## Targets", "ZeroMQ round trip without spawn",
                "## CPU per command", "| zmq | sustained `true` | 4 |", "agent CPU per `true` <= 1.5 x the CPU of the bare spawn",
                "nodes lost while measured |");
        assertThat(Files.readString(dir.resolve("bench.json"))).contains("\"p50_ms\"");
        assertThat(Files.readString(dir.resolve("latency-cdf.svg"))).startsWith("<svg").contains("polyline");
        assertThat(Files.readString(dir.resolve("makespan.svg"))).startsWith("<svg").contains("circle");
    }
}
