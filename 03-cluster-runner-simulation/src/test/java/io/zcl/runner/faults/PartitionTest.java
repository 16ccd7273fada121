package io.zcl.runner.faults;

import io.zcl.runner.sim.ChildProcesses;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.plan.PlanRunner;
import io.zcl.runner.sim.InProcessAgents;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 10 s network partition between the agents and the coordinator while commands run, through a
 * TCP proxy that blackholes traffic (sockets stay open, nothing flows). The grace period (20 s) is
 * longer than the partition: the coordinator sees the nodes lost, keeps their commands open, and
 * after the heal the agents reconnect and re-send the RESULTs they held. Nothing is lost and
 * nothing counted twice.
 */
@Tag("slow")
class PartitionTest {

    static final int HEARTBEAT_MS = 250;
    static final long PARTITION_MS = 10_000;
    static final long GRACE_MS = 20_000;

    @TempDir
    Path tmp;

    @Test
    @Timeout(90)
    void aTenSecondPartitionWithinTheGraceLosesNothingAndDuplicatesNothing() throws Exception {
        Path tools = EmulatedTools.install(tmp.resolve("tools"));
        Plan plan = new Plan(List.of(new Plan.Step("gpu_burn", "all_servers"), new Plan.Step("gpu_burn", "all_pairs")));
        try (FaultRun run = new FaultRun(2, HEARTBEAT_MS, GRACE_MS, tmp.resolve("journal.jsonl"));
             BlackholeProxy proxy = new BlackholeProxy(URI.create(run.endpoint.replace("tcp://", "http://")).getPort());
             // gpu_burn's 60 s at 0.05: 3 s, so the commands finish inside the partition.
             InProcessAgents agents = new InProcessAgents(run.cluster, proxy.endpoint(),
                     new InProcessAgents.NodeSetup(tools, Map.of(), 0.05, 0), HEARTBEAT_MS, 3)) {
            assertThat(run.coordinator.awaitNodes(run.cluster.nodeIds(), Duration.ofSeconds(30))).isEmpty();
            var result = run.runAsync(plan);
            ChildProcesses.await("both first commands", Duration.ofSeconds(20),
                    () -> run.first("started", "node-1", 0) != null && run.first("started", "node-2", 0) != null);

            long cut = System.nanoTime();
            proxy.partition();
            Thread.sleep(PARTITION_MS); // deliberate: the partition lasts 10 s, longer than the liveness window
            long healed = System.nanoTime();
            proxy.heal();
            PlanRunner.Result r = result.get(60, TimeUnit.SECONDS);
            long done = System.nanoTime();

            FaultRun.Event lost = run.first("lost", "node-1", cut);
            assertThat(lost).as("the coordinator noticed the silence").isNotNull();
            assertThat(run.events).noneMatch(e -> e.kind().equals("finished:NODE_LOST"));
            FaultRun.Event back = run.first("up", "node-1", healed);
            System.out.printf("FIGURE partition detect_ms=%d reconnect_after_heal_ms=%d run_done_after_heal_ms=%d%n",
                    (lost.nanos() - cut) / 1_000_000, back == null ? -1 : (back.nanos() - healed) / 1_000_000,
                    (done - healed) / 1_000_000);

            JournalContents journal = JournalReader.read(run.journalFile);
            Map<String, TestResult> byKey = AgentFaultsTest.uniqueByKey(journal);
            assertThat(byKey.keySet()).containsExactlyInAnyOrder(
                    "gpu_burn/all_servers@node-1", "gpu_burn/all_servers@node-2", "gpu_burn/all_pairs@node-1,node-2");
            assertThat(r.results()).hasSize(3).allMatch(t -> t.verdict() == TestResult.Verdict.PASS);
            assertThat(journal.orphanResults()).isEmpty();
            // The two burns ran across the partition: they took the partition's length, not a re-run's.
            TestResult first = byKey.get("gpu_burn/all_servers@node-1");
            assertThat(first.durationMs()).isGreaterThan(PARTITION_MS - 1000).isLessThan(GRACE_MS);
            assertThat(run.coordinator.inFlight()).isZero();
            assertThat(run.coordinator.awaitingAck()).isZero();
            agents.agents().forEach(a -> assertThat(a.reconnects()).isPositive());
        }
    }
}
