package io.zcl.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.sim.Simulation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated run (real agents over tcp, emulated tools as processes) publishes its events; the
 * monitor follows them and serves /metrics, /api/state, /events and the text table.
 */
@Tag("slow")
class MonitorSimulationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double sum(Map<String, PromTextParser.Family> f, String family, String sampleName) {
        return f.get(family).samples().stream().filter(s -> s.name().equals(sampleName)).mapToDouble(PromTextParser.Sample::value).sum();
    }

    @Test
    void metricsParseAsPrometheusTextThroughoutASimulatedRun(@TempDir Path runs) throws Exception {
        Simulation.Settings settings = new Simulation.Settings(6, 2, Map.of("node-5", Fault.parse("slow-link")), "zmq", runs,
                0.002, Duration.ofSeconds(15), 500, 3, Plan.defaults());
        try (EventPublisher events = new EventPublisher("tcp://127.0.0.1:*")) {
            String endpoint = events.start();
            try (Monitor monitor = new Monitor(endpoint, new InetSocketAddress("127.0.0.1", 0), null, s -> { }).start()) {
                String base = monitor.url();
                CompletableFuture<Simulation.Outcome> run = CompletableFuture.supplyAsync(() -> Simulation.run(settings, null, events));

                // During the run: every fetch parses strictly.
                List<Double> resultsSeen = new ArrayList<>();
                while (!run.isDone()) {
                    HttpResponse<String> r = get(base + "metrics");
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
                    Map<String, PromTextParser.Family> f = PromTextParser.parse(r.body());
                    resultsSeen.add(f.containsKey("zcl_results_total") ? sum(f, "zcl_results_total", "zcl_results_total") : 0);
                    Thread.sleep(300);
                }
                Simulation.Outcome outcome = run.join();
                assertThat(resultsSeen).as("results counted while the run went on").isSorted();

                long expected = outcome.result().results().size();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Map<String, PromTextParser.Family> f = PromTextParser.parse(get(base + "metrics").body());
                    assertThat(sum(f, "zcl_results_total", "zcl_results_total")).isEqualTo((double) expected);
                    assertThat(sum(f, "zcl_journal_records_total", "zcl_journal_records_total")).isGreaterThan(expected);
                });

                Map<String, PromTextParser.Family> f = PromTextParser.parse(get(base + "metrics").body());
                assertThat(f.get("zcl_nodes").type()).isEqualTo("gauge");
                assertThat(f.get("zcl_nodes").samples()).extracting(s -> s.labels().get("state"))
                        .containsExactly("up", "busy", "lost", "left", "unknown");
                assertThat(sum(f, "zcl_nodes", "zcl_nodes")).isEqualTo(6);
                assertThat(f.get("zcl_results_total").type()).isEqualTo("counter");
                assertThat(f.get("zcl_results_total").samples()).allSatisfy(s ->
                        assertThat(s.labels().keySet()).containsExactly("test", "verdict"));
                long failed = outcome.result().count(TestResult.Verdict.FAIL);
                assertThat(failed).as("the slow link fails some pair tests").isPositive();
                assertThat(f.get("zcl_results_total").samples().stream().filter(s -> s.labels().get("verdict").equals("FAIL"))
                        .mapToDouble(PromTextParser.Sample::value).sum()).isEqualTo((double) failed);
                PromTextParser.Family latency = f.get("zcl_command_duration_seconds");
                assertThat(latency.type()).isEqualTo("histogram");
                assertThat(latency.samples()).anySatisfy(s -> assertThat(s.labels()).containsEntry("transport", "zmq"));
                assertThat(sum(f, "zcl_command_duration_seconds", "zcl_command_duration_seconds_count")).isGreaterThanOrEqualTo(expected);
                assertThat(f).containsKeys("zcl_commands_in_flight", "zcl_protocol_errors_total", "zcl_journal_pending_records",
                        "zcl_journal_lag_seconds", "zcl_node_heartbeat_age_seconds", "zcl_monitor_connected");
                assertThat(sum(f, "zcl_journal_pending_records", "zcl_journal_pending_records")).isZero();

                // The dashboard's JSON: the run end to end, failures with their reason, the leaf-pair heatmap.
                JsonNode state = JSON.readTree(get(base + "api/state").body());
                assertThat(state.path("run").path("run_id").asText()).isEqualTo(outcome.run().runId());
                assertThat(state.path("progress").path("finished").asBoolean()).isTrue();
                assertThat(state.path("progress").path("groups_done").asLong()).isEqualTo(expected);
                assertThat(state.path("steps")).hasSize(Plan.defaults().steps().size());
                List<JsonNode> failures = new ArrayList<>();
                state.path("results").forEach(r -> {
                    if (!r.path("verdict").asText().equals("PASS")) {
                        failures.add(r);
                    }
                });
                assertThat(failures).isNotEmpty().allSatisfy(r -> assertThat(r.path("reason").asText()).isNotBlank());
                assertThat(state.path("heatmap").path("nccl_all_reduce").path("leaf-1|leaf-2").path("count").asLong()).isPositive();
                assertThat(state.path("heatmap").path("ib_write_bw").path("leaf-1|leaf-2").path("failed").asBoolean()).isTrue();

                // The dashboard's static files and the SSE stream.
                assertThat(get(base).body()).contains("<script src=\"/app.js\">");
                assertThat(get(base + "app.js").headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
                assertThat(get(base + "nope").statusCode()).isEqualTo(404);
                try (var in = new BufferedReader(new InputStreamReader(URI.create(base + "events").toURL().openStream(), StandardCharsets.UTF_8))) {
                    String line;
                    String data = null;
                    while ((line = in.readLine()) != null && data == null) {
                        if (line.startsWith("data: ")) {
                            data = line.substring(6);
                        }
                    }
                    assertThat(JSON.readTree(data).path("run").path("run_id").asText()).isEqualTo(outcome.run().runId());
                }

                // The terminal table shows the same nodes and results.
                String table = TextTable.render(monitor.stateJson(), 10);
                assertThat(table).contains("connected", outcome.run().runId(), "node-1", "leaf-2", "FAIL");
            }
        }
    }

    @Test
    void theDashboardShowsTheLatestBenchChartsWhenTheBenchFolderHasThem(@TempDir Path bench) throws Exception {
        Files.writeString(bench.resolve("latency-cdf.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        Files.writeString(bench.resolve("bench.json"), "{}");
        try (EventPublisher events = new EventPublisher("tcp://127.0.0.1:*")) {
            String endpoint = events.start();
            try (Monitor monitor = new Monitor(endpoint, new InetSocketAddress("127.0.0.1", 0), bench, s -> { }).start()) {
                JsonNode state = JSON.readTree(get(monitor.url() + "api/state").body());
                assertThat(state.path("monitor").path("bench_charts")).extracting(JsonNode::asText).containsExactly("latency-cdf.svg");
                HttpResponse<String> svg = get(monitor.url() + "bench/latency-cdf.svg");
                assertThat(svg.statusCode()).isEqualTo(200);
                assertThat(svg.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
                assertThat(get(monitor.url() + "bench/bench.json").statusCode()).isEqualTo(404);
                assertThat(get(monitor.url() + "bench/..%2Fetc%2Fpasswd").statusCode()).isEqualTo(404);
            }
        }
    }

    @Test
    void badOptionsAreOneClearLine() {
        assertThatThrownBy(() -> MonitorCommand.parseHostPort("--http", "8080"))
                .hasMessage("--http must be HOST:PORT, e.g. 127.0.0.1:8080, got '8080'");
        assertThatThrownBy(() -> MonitorCommand.parseHostPort("--http", "localhost:http"))
                .hasMessageContaining("port must be a number");
    }

    @Test
    void theCommandRejectsABadEndpointAndSaysWhenNoCoordinatorAnswers() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new MonitorCommand());
        cl.setErr(new java.io.PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println(ex.getMessage());
            return 1;
        });
        assertThat(cl.execute("--events", "127.0.0.1:5560")).isEqualTo(1);
        assertThat(err.toString()).contains("--events must be an endpoint like tcp://HOST:PORT, got '127.0.0.1:5560'");

        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine once = new picocli.CommandLine(new MonitorCommand());
        once.setOut(new java.io.PrintWriter(out));
        // Nobody publishes on this port: one table marked NOT CONNECTED after the 10 s wait, exit 1.
        assertThat(once.execute("--events", "tcp://127.0.0.1:1", "--tui", "--once", "--insecure")).isEqualTo(1);
        assertThat(out.toString()).contains("NOT CONNECTED", "no results yet");
    }

    @Test
    void theParserRejectsWhatTheFormatDoesNotAllow() {
        assertThatThrownBy(() -> PromTextParser.parse("x 1\n")).hasMessageContaining("sample outside its family");
        assertThatThrownBy(() -> PromTextParser.parse("# HELP x h\n# TYPE x gauge\nx{a=b} 1\n")).hasMessageContaining("quoted");
        assertThatThrownBy(() -> PromTextParser.parse("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"))
                .hasMessageContaining("cumulative");
        assertThat(PromTextParser.parse("# HELP x h\n# TYPE x gauge\nx{a=\"q\\\"\"} 1.5e3\n").get("x").samples().get(0).value()).isEqualTo(1500);
    }
}
