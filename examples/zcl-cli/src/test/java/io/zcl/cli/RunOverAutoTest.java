package io.zcl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.zcl.runner.cluster.SystemProfiles;
import io.zcl.runner.events.EventSubscriber;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.EmulationEnv;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.ssh.EmbeddedSshServer;
import io.zcl.runner.ssh.SshKeys;
import io.zcl.runner.zmq.NodeAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code zcl run --transport auto}: two nodes with sshd, one of them also with an agent. The node
 * with the agent runs over ZeroMQ, the other over SSH, and the journal says so per node. A monitor
 * on the run's event stream sees both nodes and both results.
 */
class RunOverAutoTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void theNodeWithAnAgentRunsOverZmqAndTheOtherOverSsh() throws Exception {
        KeyPair user = SshKeys.generateKeyFile(tmp.resolve("id"), "test");
        Path tools = EmulatedTools.install(tmp.resolve("tools"));
        List<EmbeddedSshServer> servers = new ArrayList<>();
        StringBuilder cluster = new StringBuilder("name: auto-pair\nnodes:\n");
        StringBuilder known = new StringBuilder();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String endpoint = "tcp://127.0.0.1:" + port;
        int eventsPort;
        try (ServerSocket free = new ServerSocket(0)) {
            eventsPort = free.getLocalPort();
        }
        String events = "tcp://127.0.0.1:" + eventsPort;
        // Subscribed before the run binds its publisher: the SUB socket connects when it can.
        EventSubscriber monitor = new EventSubscriber(events, (state, event) -> { }).start();
        LocalNodeExecutor executor = new LocalNodeExecutor("node-1",
                EmulationEnv.forNode(SystemProfiles.h100("node-1"), Fault.NONE), tools, LocalNodeExecutor.Settings.defaults());
        NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "node-1", SystemProfiles.h100("node-1"))
                .withBackoff(100, 500), executor).start();
        try {
            for (int i = 1; i <= 2; i++) {
                Fault fault = i == 2 ? Fault.parse("faulty-gpu:1") : Fault.NONE;
                EmbeddedSshServer s = EmbeddedSshServer.start(EmbeddedSshServer.Settings.forKey(user.getPublic())
                        .withEnv(EmulationEnv.forNode(SystemProfiles.h100("node-" + i), fault), tools));
                servers.add(s);
                cluster.append("  - { id: node-").append(i).append(", host: 127.0.0.1, ssh_port: ").append(s.port())
                        .append(", leaf: leaf-").append(i).append(" }\n");
                known.append(s.knownHostsLine()).append('\n');
            }
            Files.writeString(tmp.resolve("cluster.yaml"), cluster);
            Files.writeString(tmp.resolve("known_hosts"), known);
            Files.writeString(tmp.resolve("plan.yaml"), "steps:\n  - { test: gpu_burn, schedule: all_servers }\n");

            CommandLine cl = Zcl.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int exit = cl.execute("run", "--transport", "auto", "--insecure", "--bind", endpoint, "--wait-s", "3",
                    "--events", events,
                    "--cluster", tmp.resolve("cluster.yaml").toString(), "--plan", tmp.resolve("plan.yaml").toString(),
                    "--identity", tmp.resolve("id").toString(), "--known-hosts", tmp.resolve("known_hosts").toString(),
                    "--runs-dir", tmp.resolve("runs").toString(), "--quiet");
            assertThat(exit).as(err.toString()).isZero();
            assertThat(err.toString()).contains("1 nodes start over zmq, 1 over ssh (node-2)")
                    .contains("commands over zmq=1 ssh=1");
            assertThat(out.toString()).contains("transport=auto results=2 pass=1 fail=1 error=0")
                    .contains("| gpu_burn | all_servers | node-2 | FAIL | node-2 |");
            List<String> results = Files.readAllLines(tmp.resolve("runs/latest/journal.jsonl")).stream()
                    .filter(l -> l.contains("\"test_result\"")).toList();
            assertThat(results).hasSize(2);
            assertThat(results).anySatisfy(l -> assertThat(l).contains("\"nodes\":[\"node-1\"]")
                    .contains("\"transport\":\"zmq\",\"node_transports\":{\"node-1\":\"zmq\"}"));
            assertThat(results).anySatisfy(l -> assertThat(l).contains("\"nodes\":[\"node-2\"]")
                    .contains("\"transport\":\"ssh\",\"node_transports\":{\"node-2\":\"ssh\"}"));

            assertThat(err.toString()).contains("zcl run: events for 'zcl monitor' on " + events);
            await().atMost(Duration.ofSeconds(10)).until(() -> monitor.state().toJson().path("results").size() == 2);
            JsonNode nodes = monitor.state().toJson().path("nodes");
            assertThat(nodes.toString()).contains("\"id\":\"node-1\"").contains("\"id\":\"node-2\"");
            assertThat(nodes).anySatisfy(n -> {
                assertThat(n.path("id").asText()).isEqualTo("node-2");
                assertThat(n.path("detail").asText()).isEqualTo("ssh");
            });
        } finally {
            monitor.close();
            agent.close();
            executor.close();
            servers.forEach(EmbeddedSshServer::close);
        }
    }
}
