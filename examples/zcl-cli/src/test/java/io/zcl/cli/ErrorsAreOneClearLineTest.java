package io.zcl.cli;

import static io.zcl.cli.Run.zcl;
import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.RunHeader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the programs: one line that says what is wrong, and a non-zero exit. */
@Timeout(60)
class ErrorsAreOneClearLineTest {

    @TempDir
    Path tmp;

    @Test
    void aBadClusterFileNamesTheFileAndTheProblem() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 10.0.0.1 }\n");
        Run run = zcl("run", "--cluster", cluster.toString(), "--runs-dir", tmp.resolve("runs").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("zcl: cluster.yaml: nodes[0]: missing 'leaf'");
    }

    @Test
    void aBadPlanFileNamesTheStep() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 127.0.0.1, leaf: l1 }\n");
        Path plan = tmp.resolve("plan.yaml");
        Files.writeString(plan, "steps:\n  - { test: gpu_burn, schedule: all_servers }\n  - { test: hpl, schedule: all_servers }\n");
        Run run = zcl("run", "--cluster", cluster.toString(), "--plan", plan.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).startsWith("zcl: " + plan + ": steps[1]: unknown test 'hpl'; known: ");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void simulateRejectsAFaultOnANodeThatDoesNotExistAndAnUnknownFaultKind() {
        Run unknownNode = zcl("simulate", "--nodes", "4", "--fault", "node-9:hang", "--runs-dir", tmp.toString());
        assertThat(unknownNode.exit()).isEqualTo(1);
        assertThat(unknownNode.err()).contains("zcl: --fault names unknown node 'node-9'");
        Run unknownKind = zcl("simulate", "--fault", "node-1:melted", "--runs-dir", tmp.toString());
        assertThat(unknownKind.exit()).isEqualTo(1);
        assertThat(unknownKind.err()).startsWith("zcl: ").contains("melted");
    }

    @Test
    void anUnreachableCoordinatorEndsTheAgentWithExit3() {
        long t0 = System.nanoTime();
        Run run = zcl("agent", "--coordinator", "tcp://127.0.0.1:1", "--insecure", "--node-id", "node-1", "--connect-timeout", "1s",
                "--heartbeat-ms", "200");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err()).contains("zcl agent: coordinator tcp://127.0.0.1:1 did not answer within 1s");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void aNodeIdOutsideTheClusterIsRefusedWithExit4() {
        try (ZmqCoordinator coordinator = new ZmqCoordinator(ZmqCoordinator.Settings.defaults("tcp://127.0.0.1:*"))
                .restrictToNodes(Set.of("node-1", "node-2"))) {
            String endpoint = coordinator.start();
            Run run = zcl("agent", "--coordinator", endpoint, "--insecure", "--node-id", "node-9", "--connect-timeout", "20s");
            assertThat(run.exit()).isEqualTo(4);
            assertThat(run.err().strip().lines()).first().asString().startsWith("zcl agent: WARNING: --insecure");
            assertThat(run.err().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("zcl agent: coordinator " + endpoint
                    + " refused node-9: node 'node-9' is not in this cluster");
        }
    }

    @Test
    void optionsATransportCannotHonourAreRefusedNotIgnored() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 127.0.0.1, leaf: l1 }\n");
        Run ssh = zcl("run", "--transport", "ssh", "--cluster", cluster.toString(), "--events", "tcp://127.0.0.1:5999",
                "--runs-dir", tmp.resolve("runs").toString());
        assertThat(ssh.exit()).isEqualTo(1);
        assertThat(ssh.err().strip()).startsWith("zcl: --events needs --transport zmq or auto").doesNotContain("\n");

        Path prior = tmp.resolve("runs/20261128-000000");
        Files.createDirectories(prior);
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(prior.resolve("journal.jsonl"))) {
            journal.write(new RunHeader("20261128-000000", Instant.now(), "zmq", List.of("node-1"), Map.of(),
                    Map.of("cluster", cluster.toString(), "plan", "default"))).join();
        }
        Run auto = zcl("run", "--transport", "auto", "--insecure", "--resume", prior.toString());
        assertThat(auto.exit()).isEqualTo(1);
        assertThat(auto.err().strip()).startsWith("zcl: --resume works with --transport zmq or ssh, not auto")
                .doesNotContain("\n");
        assertThat(Files.readAllLines(prior.resolve("journal.jsonl"))).as("the journal is left as it was").hasSize(1);
    }

    /**
     * Issue 15 item 12: {@code --command-timeout-s 0} (or -1) was accepted, every group then ended
     * in ERROR and the exit was 0. Number options out of range are usage errors now: one line
     * naming the command, the option, its range and the value, exit 2, before anything runs.
     */
    @Test
    void numberOptionsOutOfRangeAreOneLineUsageErrorsWithExit2() throws Exception {
        Path cluster = tmp.resolve("cluster.yaml");
        Files.writeString(cluster, "nodes:\n  - { id: node-1, host: 127.0.0.1, leaf: l1 }\n");
        String runs = tmp.resolve("runs").toString();
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of("run", "--cluster", cluster.toString(), "--runs-dir", runs, "--command-timeout-s", "0"),
                "zcl run: --command-timeout-s must be 1..604800, got 0 (see zcl run --help)");
        cases.put(List.of("run", "--cluster", cluster.toString(), "--runs-dir", runs, "--command-timeout-s", "-1"),
                "zcl run: --command-timeout-s must be 1..604800, got -1 (see zcl run --help)");
        cases.put(List.of("run", "--cluster", cluster.toString(), "--runs-dir", runs, "--liveness", "0"),
                "zcl run: --liveness must be 1..1000, got 0 (see zcl run --help)");
        cases.put(List.of("run", "--cluster", cluster.toString(), "--runs-dir", runs, "--wait-s", "-5"),
                "zcl run: --wait-s must be at least 1, got -5 (see zcl run --help)");
        cases.put(List.of("simulate", "--runs-dir", runs, "--command-timeout-s", "0"),
                "zcl simulate: --command-timeout-s must be 1..604800, got 0 (see zcl simulate --help)");
        cases.put(List.of("simulate", "--runs-dir", runs, "--heartbeat-ms", "1"),
                "zcl simulate: --heartbeat-ms must be 10..3600000, got 1 (see zcl simulate --help)");
        cases.put(List.of("simulate", "--runs-dir", runs, "--nodes", "4", "--leaves", "5"),
                "zcl simulate: --leaves must be 1..4, got 5 (see zcl simulate --help)");
        cases.put(List.of("agent", "--coordinator", "tcp://127.0.0.1:1", "--node-id", "node-1", "--insecure",
                "--heartbeat-ms", "0"), "zcl agent: --heartbeat-ms must be 10..3600000, got 0 (see zcl agent --help)");
        cases.put(List.of("agent", "--coordinator", "tcp://127.0.0.1:1", "--node-id", "node-1", "--insecure",
                "--max-concurrent", "0"), "zcl agent: --max-concurrent must be at least 1, got 0 (see zcl agent --help)");
        cases.put(List.of("agent", "--coordinator", "tcp://127.0.0.1:1", "--node-id", "node-1", "--insecure",
                "--connect-timeout", "-1s"), "zcl agent: --connect-timeout must be a duration like 500ms, 30s, 2m or 1h, "
                        + "got '-1s' (see zcl agent --help)");
        cases.put(List.of("monitor", "--events", "tcp://127.0.0.1:1", "--interval-s", "0"),
                "zcl monitor: --interval-s must be a number of seconds above 0, got 0.0 (see zcl monitor --help)");
        cases.put(List.of("bench", "--samples", "0", "--runs-dir", runs),
                "zcl bench: --samples must be at least 1, got 0 (see zcl bench --help)");
        cases.put(List.of("soak", "--seconds", "0"), "zcl soak: --seconds must be at least 1, got 0 (see zcl soak --help)");
        cases.forEach((args, line) -> {
            Run run = zcl(args.toArray(String[]::new));
            assertThat(run.err().strip()).as("zcl %s", args).isEqualTo(line);
            assertThat(run.exit()).as("zcl %s", args).isEqualTo(2);
            assertThat(run.out()).as("zcl %s", args).isEmpty();
        });
        assertThat(tmp.resolve("runs")).as("no run folder was made").doesNotExist();
    }
}
