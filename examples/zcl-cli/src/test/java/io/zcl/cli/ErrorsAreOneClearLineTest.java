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
}
