package io.zcl.runner.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.api.NodeEvent;
import io.zcl.runner.api.TestResult;
import io.zcl.runner.journal.JournalContents;
import io.zcl.runner.journal.JournalReader;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.run.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** The main job end to end: real agents over tcp, real tool processes, a journal on disk. */
@Tag("slow")
class SimulationTest {

    @TempDir
    Path runs;

    private Simulation.Settings settings(String transport, Map<String, Fault> faults) {
        return new Simulation.Settings(4, 2, faults, transport, runs, 0.0, Duration.ofSeconds(5), 500, 3, Plan.defaults());
    }

    @Test
    @Timeout(120)
    void aSlowLinkOnOneNodeFailsExactlyTheGroupsThatContainItAndTheJournalHasOneLinePerGroup() throws Exception {
        Simulation.Outcome out = Simulation.run(settings("zmq", Map.of("node-3", Fault.parse("slow-link"))),
                ProgressListener.NONE);

        JournalContents journal = JournalReader.read(out.run().journal());
        assertThat(journal.badLines()).isEmpty();
        assertThat(journal.headers()).hasSize(1);
        assertThat(journal.header().orElseThrow().transport()).isEqualTo("zmq");
        List<TestResult> results = journal.testResults();
        // one line per (test, group): the keys are unique and match what the runner returned
        assertThat(results).extracting(TestResult::key).doesNotHaveDuplicates();
        assertThat(results).hasSameSizeAs(out.result().results());
        assertThat(journal.nodeEvents()).filteredOn(e -> e.kind() == NodeEvent.Kind.UP)
                .extracting(NodeEvent::nodeId).containsExactlyInAnyOrder("node-1", "node-2", "node-3", "node-4");

        // gpu_burn ran on every node and passed; every failure involves node-3 and blames it
        assertThat(results).filteredOn(r -> r.test().equals("gpu_burn")).hasSize(4)
                .allMatch(r -> r.verdict() == TestResult.Verdict.PASS);
        List<TestResult> failed = results.stream().filter(r -> r.verdict() != TestResult.Verdict.PASS).toList();
        assertThat(failed).isNotEmpty().allSatisfy(r -> {
            assertThat(r.nodes()).contains("node-3");
            assertThat(r.failedNodes()).containsExactly("node-3");
            assertThat(r.reason()).contains("node-3");
        });
        assertThat(results).filteredOn(r -> !r.nodes().contains("node-3"))
                .allMatch(r -> r.verdict() == TestResult.Verdict.PASS);

        assertThat(Files.readString(out.run().summary())).contains("## Failures").contains("node-3");
        assertThat(runs.resolve("latest")).exists();
    }

    @Test
    @Timeout(120)
    void aHangingNodeTimesOutWithoutStoppingTheOthersAndBothTransportsJournalTheSameShape() throws Exception {
        Simulation.Outcome zmq = Simulation.run(settings("zmq", Map.of("node-2", Fault.parse("hang"))), ProgressListener.NONE);
        Simulation.Outcome local = Simulation.run(settings("local", Map.of("node-2", Fault.parse("hang"))), ProgressListener.NONE);

        Map<String, TestResult.Verdict> overZmq = verdicts(zmq);
        Map<String, TestResult.Verdict> overLocal = verdicts(local);
        assertThat(overZmq).isEqualTo(overLocal);
        assertThat(overZmq).containsEntry("gpu_burn/all_servers@node-2", TestResult.Verdict.FAIL)
                .containsEntry("gpu_burn/all_servers@node-1", TestResult.Verdict.PASS);
        assertThat(JournalReader.read(zmq.run().journal()).testResults())
                .filteredOn(r -> r.key().equals("gpu_burn/all_servers@node-2")).singleElement()
                .satisfies(r -> assertThat(r.reason()).containsIgnoringCase("timed out"));
    }

    @Test
    @Timeout(180)
    void overSshTheSamePlanJournalsTheSameKeysAndVerdictsAsOverZmq() throws Exception {
        Map<String, Fault> faults = Map.of("node-3", Fault.parse("slow-link"));
        Simulation.Outcome ssh = Simulation.run(settings("ssh", faults), ProgressListener.NONE);
        Simulation.Outcome zmq = Simulation.run(settings("zmq", faults), ProgressListener.NONE);
        assertThat(verdicts(ssh)).isEqualTo(verdicts(zmq)).containsValue(TestResult.Verdict.FAIL);
        assertThat(JournalReader.read(ssh.run().journal()).header().orElseThrow().transport()).isEqualTo("ssh");
        assertThat(JournalReader.read(ssh.run().journal()).testResults()).allMatch(r -> r.transport().equals("ssh"));
    }

    @Test
    void aFaultOnAnUnknownNodeIsAClearError() {
        assertThatThrownBy(() -> Simulation.run(settings("zmq", Map.of("node-9", Fault.parse("hang"))), ProgressListener.NONE))
                .hasMessage("--fault names unknown node 'node-9'; the cluster has node-1..node-4");
    }

    private static Map<String, TestResult.Verdict> verdicts(Simulation.Outcome out) {
        return JournalReader.read(out.run().journal()).testResults().stream()
                .collect(Collectors.toMap(TestResult::key, TestResult::verdict, (a, b) -> a));
    }
}
