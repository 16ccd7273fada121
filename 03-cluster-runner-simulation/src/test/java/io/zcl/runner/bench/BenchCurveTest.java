package io.zcl.runner.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.zmq.CommandPolicy;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** The zmq-curve contender: really CURVE (plaintext agents are refused), and reported against zmq. */
@Tag("slow")
class BenchCurveTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(90)
    void zmqCurveAgentsInTheFarmJvmConnectOverCurveAndAPlaintextAgentIsRefused() throws Exception {
        try (ZmqContender c = new ZmqContender(BenchTest.HEARTBEAT_MS, true)) {
            assertThat(c.name()).isEqualTo("zmq-curve");
            c.connect(2);
            ZmqCoordinator coordinator = c.coordinator();
            assertThat(coordinator.curve()).isNotNull();
            assertThat(coordinator.handshakesAccepted()).isGreaterThanOrEqualTo(2);
            assertThat(coordinator.handshakesRefused()).isZero();
            CommandResult r = c.executor("node-2").run(Command.of("echo", "sealed")).get(30, TimeUnit.SECONDS);
            assertThat(r.stdout()).isEqualTo("sealed\n");
            assertThat(c.note()).hasValueSatisfying(n -> assertThat(n).contains("accepted, 0 refused"));

            // the same coordinator: a plaintext agent is hung up on (mechanism mismatch), and a CURVE
            // agent with a key outside the allow-list is refused by the ZAP handler; neither comes up
            SystemConfiguration system = new SystemConfiguration("n3", List.of(), List.of(), List.of());
            try (LocalNodeExecutor exec = new LocalNodeExecutor("node-3", Map.of(), null);
                 LocalNodeExecutor exec4 = new LocalNodeExecutor("node-4", Map.of(), null);
                 NodeAgent plain = new NodeAgent(NodeAgent.Settings.defaults(coordinator.endpoint(), "node-3", system)
                         .withBackoff(100, 400).withPolicy(CommandPolicy.anyProgram()), exec).start();
                 NodeAgent stranger = new NodeAgent(NodeAgent.Settings.defaults(coordinator.endpoint(), "node-4", system)
                         .withBackoff(100, 400), exec4)
                         .withCurve(new Curve.Client(CurveKeys.generate(), coordinator.curve().keys().publicOnly()))
                         .start()) {
                await().atMost(Duration.ofSeconds(20)).until(() -> plain.handshakeFailures() >= 2
                        && stranger.handshakeFailures() >= 2 && coordinator.handshakesRefused() >= 2);
                assertThat(coordinator.upNodes()).containsExactlyInAnyOrder("node-1", "node-2");
                assertThat(plain.state()).isEqualTo(NodeAgent.State.CONNECTING);
                assertThat(plain.handshakeFailure()).contains("requires CURVE");
                assertThat(stranger.state()).isEqualTo(NodeAgent.State.CONNECTING);
            }
        }
    }

    @Test
    @Timeout(240)
    void aRunWithZmqAndZmqCurveMeasuresBothAndReportsTheCurveCost() throws Exception {
        List<String> steps = new ArrayList<>();
        Bench.Settings settings = new Bench.Settings(List.of(1, 2), 20, 10, 2, 1024 * 1024,
                BenchTest.HEARTBEAT_MS, List.of("zmq", "zmq-curve"));
        Bench.Report report = new Bench(settings, steps::add).run(Contenders.all(BenchTest.HEARTBEAT_MS));

        assertThat(report.latencies()).extracting(Bench.Latency::name)
                .containsExactly("spawn (floor)", "zmq", "zmq no-spawn", "zmq-curve", "zmq-curve no-spawn");
        assertThat(report.sizes()).extracting(s -> s.transport() + "@" + s.nodes())
                .containsExactly("zmq@1", "zmq@2", "zmq-curve@1", "zmq-curve@2");
        assertThat(report.sizes()).allSatisfy(s -> assertThat(s.commandsPerSecond()).isPositive());
        assertThat(report.streamMs()).containsKeys("zmq", "zmq-curve");
        assertThat(report.notes()).containsKeys("warm-up", "zmq-curve at 1 nodes", "zmq-curve at 2 nodes")
                .doesNotContainKey("zmq at 1 nodes");
        assertThat(report.notes().get("zmq-curve at 2 nodes")).contains("2 accepted, 0 refused");

        BenchReport.write(report, dir, "./zcl bench --nodes 1,2 --transports zmq,zmq-curve");
        String md = Files.readString(dir.resolve("bench.md"));
        assertThat(md).contains(BenchReport.CURVE_COST, "| round trip of built-in no-op (no spawn), p50 ms |",
                "| round trip of `true`, p50 ms |", "| streaming 1 MiB of stdout, MiB/s |", "| commands/s (2 nodes) |",
                "| coordinator heap per node, bytes (2 nodes) |", "| zmq-curve no-spawn |");
        // the ratio column is computed: the no-spawn p50 ratio is the two p50s divided
        double plain = report.latencies().get(2).p50Ms();
        double curve = report.latencies().get(4).p50Ms();
        assertThat(md).contains(String.format(java.util.Locale.ROOT, "| %.3f | %.3f | %.2f |", plain, curve, curve / plain));
    }

    @Test
    void withoutZmqCurveThereIsNoCurveCostSection() {
        Bench.Report r = new Bench.Report(Map.of(), new Bench.Settings(List.of(1), 1, 0, 1, 0, 300, List.of("zmq")),
                List.of(), List.of(), Map.of(), Map.of(), List.of());
        assertThat(BenchReport.curveCost(r)).isEmpty();
        assertThat(BenchReport.markdown(r, "x")).doesNotContain(BenchReport.CURVE_COST);
    }
}
