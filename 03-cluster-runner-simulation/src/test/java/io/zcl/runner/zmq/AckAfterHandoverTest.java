package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.journal.JsonlJournalWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ACK after handover: the agent keeps a RESULT until the line that records it is durable. */
@Timeout(60)
class AckAfterHandoverTest {

    private static final int HB = 250;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    Path tmp;

    private ZmqCoordinator coordinator(String bind) {
        ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings(bind, HB, 3, 60_000)).ackAfterHandover();
        c.start();
        closeables.add(c);
        return c;
    }

    private NodeAgent agent(String endpoint, ScriptedExecutor exec) {
        SystemConfiguration sys = new SystemConfiguration("node-1", List.of(), List.of(), List.of());
        NodeAgent a = new NodeAgent(NodeAgent.Settings.defaults(endpoint, "node-1", sys).withHeartbeat(HB, 3)
                .withBackoff(50, 200).withPolicy(CommandPolicy.anyProgram()), exec).start();
        closeables.add(a);
        return a;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static TestResult resultFor(String commandId) {
        return new TestResult("r", "gpu_burn", "all_servers", 0, List.of("node-1"), TestResult.Verdict.PASS, Map.of(),
                List.of(), "", List.of(commandId), Instant.now(), 1, "zmq");
    }

    @Test
    void aResultIsAckedOnlyWhenItsTestResultIsDurableAndNeverWhenTheJournalFails() throws Exception {
        ZmqCoordinator c = coordinator("tcp://127.0.0.1:*");
        NodeAgent a = agent(c.endpoint(), new ScriptedExecutor("node-1"));
        c.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));

        Command cmd = Command.of("echo", "done");
        CommandResult r = c.executor("node-1").run(cmd).get(10, TimeUnit.SECONDS);
        assertThat(r.stdout()).isEqualTo("done");
        // An ACK on receipt would arrive within 3 heartbeats: the agent must hold the RESULT all that time.
        await().during(Duration.ofMillis(3L * HB)).atMost(Duration.ofMillis(3L * HB + 5000)).untilAsserted(() -> {
            assertThat(a.unackedIds()).containsExactly(cmd.id());
            assertThat(c.awaitingAck()).isEqualTo(1);
        });

        // The journal refuses the line (device full): nothing is acknowledged, the agent keeps it.
        try (var full = ResultHandover.ackingJournal(JsonlJournalWriter.open(Path.of("/dev/full")), c)) {
            assertThat(full.write(resultFor(cmd.id()))).failsWithin(Duration.ofSeconds(5));
        } catch (RuntimeException closeRethrowsTheFailure) {
            // expected: the writer failed
        }
        await().during(Duration.ofMillis(3L * HB)).atMost(Duration.ofMillis(3L * HB + 5000))
                .untilAsserted(() -> assertThat(a.unackedIds()).containsExactly(cmd.id()));

        // A journal that works: once the line is durable, the ACK goes and the agent lets go.
        try (var journal = ResultHandover.ackingJournal(JsonlJournalWriter.open(tmp.resolve("j.jsonl")), c)) {
            journal.write(resultFor(cmd.id())).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> a.unackedIds().isEmpty());
        }
        assertThat(c.awaitingAck()).isZero();
    }

    @Test
    void afterAPlanEveryAgentHasLetGoOfEveryResult() throws Exception {
        var cluster = io.zcl.runner.cluster.ClusterDescriptor.simulated(3, 1);
        Path tools = io.zcl.runner.perftools.EmulatedTools.install(tmp.resolve("tools"));
        ZmqCoordinator c = new ZmqCoordinator(new ZmqCoordinator.Settings("tcp://127.0.0.1:*", HB, 3, 10_000));
        var ctx = new ZmqOperationalContext(cluster, c, JsonlJournalWriter.open(tmp.resolve("plan.jsonl")));
        String endpoint = c.start();
        try (var agents = new io.zcl.runner.sim.InProcessAgents(cluster, endpoint,
                new io.zcl.runner.sim.InProcessAgents.NodeSetup(tools, Map.of(), 0.0, 0), HB, 3)) {
            try (ctx) {
                assertThat(c.awaitNodes(cluster.nodeIds(), Duration.ofSeconds(20))).isEmpty();
                var result = io.zcl.runner.plan.PlanRunner.run(ctx, new io.zcl.runner.plan.Plan(List.of(
                                new io.zcl.runner.plan.Plan.Step("gpu_burn", "all_servers"))),
                        new io.zcl.runner.plan.PlanRunner.Options("acks", null, Map.of(), Set.of(), null, 8));
                assertThat(result.results()).hasSize(3).allMatch(r -> r.verdict() == TestResult.Verdict.PASS);
            }
            // The coordinator is closed: an agent still holding a RESULT would re-send it to the next one.
            agents.agents().forEach(a -> assertThat(a.unackedIds()).as(a.nodeId()).isEmpty());
        }
    }

    @Test
    void anOrphanIsJournaledOnceThenAckedAndOneTheJournalKnowsIsOnlyAcked() throws Exception {
        ZmqCoordinator c1 = coordinator("tcp://127.0.0.1:*");
        String endpoint = c1.endpoint();
        ScriptedExecutor exec = new ScriptedExecutor("node-1");
        NodeAgent a = agent(endpoint, exec);
        c1.awaitNodes(List.of("node-1"), Duration.ofSeconds(10));
        Command known = Command.of("hold");
        Command fresh = Command.of("hold");
        c1.executor("node-1").run(known);
        c1.executor("node-1").run(fresh);
        await().atMost(Duration.ofSeconds(30)).until(() -> exec.started.get() == 2);
        c1.close(); // the coordinator dies; the commands finish without it
        exec.release(known.id(), "known");
        exec.release(fresh.id(), "fresh");
        await().atMost(Duration.ofSeconds(30)).until(() -> a.unackedIds().size() == 2);

        Path file = tmp.resolve("resumed.jsonl");
        ZmqCoordinator c2 = new ZmqCoordinator(new ZmqCoordinator.Settings(endpoint, HB, 3, 60_000)).ackAfterHandover();
        closeables.add(c2);
        try (JsonlJournalWriter journal = JsonlJournalWriter.open(file)) {
            c2.addListener(ResultHandover.orphanRecorder(journal, c2, Set.of(known.id())));
            c2.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> a.unackedIds().isEmpty());
        }
        var orphans = JournalReader.read(file).orphanResults();
        assertThat(orphans).hasSize(1);
        assertThat(orphans.get(0).commandId()).isEqualTo(fresh.id());
        assertThat(orphans.get(0).stdoutTail()).isEqualTo("fresh");
        assertThat(c2.stats().orphanResults()).isEqualTo(2);
    }
}
