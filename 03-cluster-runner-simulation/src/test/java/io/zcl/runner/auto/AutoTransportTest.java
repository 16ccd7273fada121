package io.zcl.runner.auto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.sim.InProcessAgents;
import io.zcl.runner.sim.InProcessSshNodes;
import io.zcl.runner.sim.Simulation;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.ZmqCoordinator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.ZContext;

/**
 * {@code --transport auto} on simulated nodes that each have both an agent and an SSH server:
 * ZeroMQ while a node's agent is up, SSH after it dies, ZeroMQ again when it comes back, and the
 * journal says which transport ran each node's command.
 */
@Timeout(120)
class AutoTransportTest {

    private static final Plan PLAN = new Plan(List.of(new Plan.Step("gpu_burn", "all_servers"),
            new Plan.Step("ib_write_bw", "leaf_to_leaf_pairs")));

    @TempDir
    Path dir;

    private final List<LocalNodeExecutor> executors = new java.util.ArrayList<>();

    @Test
    void aNodeMovesToSshWhenItsAgentDiesAndBackToZmqWhenItReturnsAndTheJournalSaysSo() throws Exception {
        ClusterDescriptor cluster = ClusterDescriptor.simulated(4, 2);
        Path tools = Files.createDirectories(dir.resolve("tools"));
        EmulatedTools.install(tools);
        InProcessAgents.NodeSetup setup = new InProcessAgents.NodeSetup(tools, Map.of(), 0.0, 0);
        Path journalFile = dir.resolve("journal.jsonl");
        JournalWriter journal = JsonlJournalWriter.open(journalFile);
        ZmqCoordinator coordinator = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", 250, 3, 10_000));
        coordinator.addListener(Simulation.journalNodeEvents(journal, new AtomicBoolean(true)));
        Map<String, NodeAgent> agents = new HashMap<>();
        int perPhase;
        ZContext zmq = new ZContext(1);
        try (InProcessSshNodes sshNodes = new InProcessSshNodes(cluster, setup, journal);
             AutoOperationalContext ctx = new AutoOperationalContext(cluster, coordinator, sshNodes.context(), journal)) {
            String endpoint = coordinator.start();
            for (String node : cluster.nodeIds()) {
                agents.put(node, agent(zmq, endpoint, cluster, setup, node));
            }
            assertThat(coordinator.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(30))).isEmpty();

            // phase 1: every agent up -> everything over ZeroMQ
            PlanRunner.Result p1 = PlanRunner.run(ctx, PLAN, options("p1"));
            perPhase = p1.results().size();
            assertThat(p1.count(TestResult.Verdict.PASS)).isEqualTo(perPhase).isPositive();
            long sshBefore = ctx.commandsOverSsh();
            assertThat(sshBefore).isZero();

            // node-2's agent dies: its commands go over SSH, the others' stay on ZeroMQ
            agents.remove("node-2").close();
            awaitDown(coordinator, "node-2");
            assertThat(ctx.transportFor("node-2")).isEqualTo("ssh");
            PlanRunner.Result p2 = PlanRunner.run(ctx, PLAN, options("p2"));
            assertThat(p2.count(TestResult.Verdict.PASS)).isEqualTo(p2.results().size());
            assertThat(ctx.commandsOverSsh()).isPositive();

            // the agent comes back (a new process: new instance) -> ZeroMQ again
            agents.put("node-2", agent(zmq, endpoint, cluster, setup, "node-2"));
            assertThat(coordinator.awaitNodes(List.of("node-2"), Duration.ofSeconds(30))).isEmpty();
            long sshAfterReturn = ctx.commandsOverSsh();
            PlanRunner.Result p3 = PlanRunner.run(ctx, PLAN, options("p3"));
            assertThat(p3.count(TestResult.Verdict.PASS)).isEqualTo(p3.results().size());
            assertThat(ctx.commandsOverSsh()).isEqualTo(sshAfterReturn);
        } finally {
            agents.values().forEach(NodeAgent::close);
            executors.forEach(LocalNodeExecutor::close);
            zmq.close();
        }

        JournalContents contents = JournalReader.read(journalFile);
        assertThat(contents.badLines()).isEmpty();
        assertThat(contents.headers()).hasSize(3).allMatch(h -> h.transport().equals("auto"));
        List<TestResult> results = contents.testResults();
        assertThat(results).hasSize(3 * perPhase);
        for (TestResult r : results) {
            assertThat(r.nodeTransports()).as(r.key()).containsOnlyKeys(r.nodes());
            boolean node2Away = r.runId().equals("p2") && r.nodes().contains("node-2");
            for (String node : r.nodes()) {
                String expected = node2Away && node.equals("node-2") ? "ssh" : "zmq";
                assertThat(r.nodeTransports().get(node)).as("%s in %s", node, r.key() + " of " + r.runId()).isEqualTo(expected);
            }
            String expectedTest = !node2Away ? "zmq" : r.nodes().size() == 1 ? "ssh" : "zmq+ssh";
            assertThat(r.transport()).as(r.key() + " of " + r.runId()).isEqualTo(expectedTest);
        }
        assertThat(results).filteredOn(r -> r.runId().equals("p2") && r.transport().equals("zmq+ssh")).isNotEmpty();
        assertThat(contents.nodeEvents()).filteredOn(e -> e.nodeId().equals("node-2")).extracting(NodeEvent::kind)
                .containsSubsequence(NodeEvent.Kind.UP, NodeEvent.Kind.LOST, NodeEvent.Kind.RECONNECTED);
        // the journal line carries the per-node transports in snake_case
        String line = Files.readAllLines(journalFile).stream().filter(l -> l.contains("\"test_result\"")).findFirst()
                .orElseThrow();
        assertThat(line).contains("\"node_transports\":{\"node-");
    }

    @Test
    void theSimulationRunsOverAutoWithEveryAgentUpSoEveryCommandTakesZmq() {
        Simulation.Outcome out = Simulation.run(new Simulation.Settings(4, 2, Map.of(), "auto", dir, 0.0,
                Duration.ofSeconds(5), 500, 3, Plan.defaults()), ProgressListener.NONE);
        JournalContents journal = JournalReader.read(out.run().journal());
        assertThat(journal.header().orElseThrow().transport()).isEqualTo("auto");
        assertThat(journal.testResults()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.verdict()).isEqualTo(TestResult.Verdict.PASS);
            assertThat(r.transport()).isEqualTo("zmq");
            assertThat(Set.copyOf(r.nodeTransports().values())).containsExactly("zmq");
        });
        assertThat(out.summary()).contains("transport: auto");
    }

    private static PlanRunner.Options options(String runId) {
        return new PlanRunner.Options(runId, Duration.ofSeconds(10), Map.of(), Set.of(), ProgressListener.NONE, 64);
    }

    private NodeAgent agent(ZContext zmq, String endpoint, ClusterDescriptor cluster, InProcessAgents.NodeSetup setup,
                                   String node) {
        LocalNodeExecutor executor = new LocalNodeExecutor(node, setup.env(node, cluster.system(node)), setup.toolsDir(),
                LocalNodeExecutor.Settings.defaults().withMaxConcurrentCommands(8));
        executors.add(executor);
        NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(endpoint, node, cluster.system(node))
                .withHeartbeat(250, 3).withBackoff(100, 1000), executor, zmq, System::currentTimeMillis);
        return agent.start();
    }

    private static void awaitDown(ZmqCoordinator coordinator, String node) {
        await().alias(node + " down within 10 s of its agent stopping").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> !coordinator.upNodes().contains(node));
    }
}
