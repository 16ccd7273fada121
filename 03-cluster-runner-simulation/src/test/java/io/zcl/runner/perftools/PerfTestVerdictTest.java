package io.zcl.runner.perftools;

import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.PerfTest.Evaluation;
import io.zcl.runner.api.PerfTest.NodeCommand;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.TestResult.Verdict;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each PerfTest's commands run against emulated nodes (real processes), then evaluate() gives the
 * verdict: pass, the slow or faulty node named, timeouts, exits, lost nodes and garbage.
 */
class PerfTestVerdictTest {

    @TempDir
    static Path tmp;
    static ToolRunner runner;
    static final SystemConfiguration NODE_1 = Profiles.h100("node-1");
    static final SystemConfiguration NODE_2 = Profiles.h100("node-2");
    static final OperationalContext CTX = Profiles.context(NODE_1, NODE_2);
    static final List<String> PAIR = List.of("node-1", "node-2");

    @BeforeAll
    static void install() throws Exception {
        runner = new ToolRunner(EmulatedTools.install(tmp.resolve("bin")), Files.createDirectories(tmp.resolve("out")));
    }

    /** Runs the test's commands, node-1 with fault1 and node-2 with fault2, and evaluates. */
    static Evaluation runAndEvaluate(PerfTest test, List<String> group, Fault fault1, Fault fault2) throws Exception {
        List<NodeCommand> commands = test.commands(group, CTX);
        Map<String, CommandResult> results = new HashMap<>();
        for (NodeCommand nc : commands) {
            boolean first = nc.nodeId().equals("node-1");
            results.put(nc.command().id(), runner.run(nc.nodeId(), first ? NODE_1 : NODE_2, first ? fault1 : fault2, nc.command()));
        }
        return test.evaluate(group, commands, results);
    }

    static CommandResult completed(NodeCommand nc, int exit, String stdout, String stderr) {
        return new CommandResult(nc.command().id(), nc.nodeId(), CommandResult.Status.COMPLETED, exit, stdout, stderr,
                false, Instant.now(), Duration.ofMillis(40), null);
    }

    @Test
    void gpuBurnPassesAndNamesAFaultyGpu() throws Exception {
        GpuBurnTest test = new GpuBurnTest();
        assertThat(test.argv()).containsExactly("gpu_burn", "-d", "60");

        Evaluation pass = runAndEvaluate(test, List.of("node-1"), Fault.NONE, Fault.NONE);
        assertThat(pass.verdict()).isEqualTo(Verdict.PASS);
        assertThat(pass.reason()).isEmpty();
        assertThat(pass.metrics()).containsKeys("gflops_min", "gflops_min.node-1").containsEntry("gpus_faulty.node-1", 0.0);

        Evaluation faulty = runAndEvaluate(test, List.of("node-1"), new Fault.FaultyGpu(2), Fault.NONE);
        assertThat(faulty.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(faulty.failedNodes()).containsExactly("node-1");
        assertThat(faulty.reason()).isEqualTo("node-1: FAULTY GPU [2] (compute errors)");

        Evaluation dead = runAndEvaluate(test, List.of("node-1"), new Fault.DeadGpus(), Fault.NONE);
        assertThat(dead.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(dead.reason()).contains("node-1: every GPU worker died").contains("exit 123");
    }

    @Test
    void gpuBurnFailsANodeThatTestedFewerGpusThanItHas() {
        GpuBurnTest test = new GpuBurnTest();
        NodeCommand nc = test.commands(List.of("node-1"), CTX).get(0);
        StringBuilder sevenGpus = new StringBuilder("Burning for 60 seconds.\ndone\n\nTested 7 GPUs:\n");
        for (int i = 0; i < 7; i++) {
            sevenGpus.append("\tGPU ").append(i).append(": OK\n");
        }
        Evaluation e = test.evaluate(List.of("node-1"), List.of(nc), Map.of(nc.command().id(), completed(nc, 0, sevenGpus.toString(), "")));

        assertThat(e.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(e.reason()).isEqualTo("node-1: tested 7 of 8 GPUs");
    }

    @Test
    void ncclPassesOnHealthyNodesWithThePerRankFigures() throws Exception {
        Evaluation e = runAndEvaluate(new NcclAllReduceTest(), PAIR, Fault.NONE, Fault.NONE);

        assertThat(e.verdict()).isEqualTo(Verdict.PASS);
        assertThat(e.failedNodes()).isEmpty();
        assertThat(e.metrics()).containsKeys("busbw_gbps", "busbw_gbps.node-1", "busbw_gbps.node-2", "busbw_threshold_gbps");
        assertThat(e.metrics().get("busbw_gbps")).isGreaterThan(e.metrics().get("busbw_threshold_gbps"));
    }

    @Test
    void ncclCommandsCarryTheMpiRankAndTheRealArgv() {
        List<NodeCommand> commands = new NcclAllReduceTest().commands(PAIR, CTX);

        assertThat(commands).extracting(NodeCommand::nodeId).containsExactly("node-1", "node-2");
        assertThat(commands.get(1).command().argv())
                .containsExactly("all_reduce_perf", "-b", "8", "-e", "8G", "-f", "2", "-g", "8");
        assertThat(commands.get(1).command().env())
                .containsEntry("OMPI_COMM_WORLD_SIZE", "2").containsEntry("OMPI_COMM_WORLD_RANK", "1");
    }

    @Test
    void ncclSlowLinkFailsAndNamesTheSlowNodeWithItsFigures() throws Exception {
        Evaluation e = runAndEvaluate(new NcclAllReduceTest(), PAIR, Fault.NONE, Fault.parse("slow-link"));

        assertThat(e.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(e.failedNodes()).containsExactly("node-2");
        assertThat(e.reason()).matches("node-2: avg busbw \\d+\\.\\d\\d GB/s < threshold \\d+\\.\\d\\d GB/s");
        assertThat(e.metrics().get("busbw_gbps")).isEqualTo(e.metrics().get("busbw_gbps.node-2"));
    }

    @Test
    void ncclHangIsKilledByTheTimeoutAndFailsThatNode() throws Exception {
        NcclAllReduceTest test = new NcclAllReduceTest(NcclAllReduceTest.Options.defaults().withTimeout(Duration.ofMillis(700)));
        Evaluation e = runAndEvaluate(test, PAIR, new Fault.Hang(), Fault.NONE);

        assertThat(e.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(e.failedNodes()).containsExactly("node-1");
        assertThat(e.reason()).startsWith("node-1: all_reduce_perf timed out after").contains("(hung)");
    }

    @Test
    void ncclNonZeroExitQuotesTheFailureLine() throws Exception {
        Evaluation e = runAndEvaluate(new NcclAllReduceTest(), PAIR, Fault.NONE, new Fault.Exit(2));

        assertThat(e.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(e.failedNodes()).containsExactly("node-2");
        assertThat(e.reason()).startsWith("node-2: node-2: Test NCCL failure common.cu:").endsWith("(exit 2)");
    }

    @Test
    void ncclCorruptionFails() throws Exception {
        Evaluation e = runAndEvaluate(new NcclAllReduceTest(), PAIR, new Fault.FaultyGpu(1), Fault.NONE);

        assertThat(e.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(e.failedNodes()).containsExactly("node-1");
        assertThat(e.reason()).contains("out-of-bounds").contains("data corruption");
    }

    @Test
    void garbageLostNodesAndMissingResultsAreErrors() {
        NcclAllReduceTest test = new NcclAllReduceTest();
        List<NodeCommand> commands = test.commands(PAIR, CTX);
        Map<String, CommandResult> results = Map.of(
                commands.get(0).command().id(), completed(commands.get(0), 0, "hello from a wrapper script\n", ""),
                commands.get(1).command().id(), CommandResult.failed(commands.get(1).command().id(), "node-2",
                        CommandResult.Status.NODE_LOST, Instant.now(), Duration.ofSeconds(12), "no heartbeat for 12 s"));
        Evaluation e = test.evaluate(PAIR, commands, results);

        assertThat(e.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(e.failedNodes()).containsExactly("node-1", "node-2");
        assertThat(e.reason()).contains("node-1: unparseable all_reduce_perf output: nccl-tests: no result row")
                .contains("node-2: node lost while running all_reduce_perf (no heartbeat for 12 s)")
                .doesNotContain("\n");

        List<NodeCommand> again = test.commands(PAIR, CTX);
        Evaluation missing = test.evaluate(PAIR, again, Map.of());
        assertThat(missing.verdict()).isEqualTo(Verdict.ERROR);
        assertThat(missing.reason()).contains("node-1: no result for all_reduce_perf command");
    }

    @Test
    void ncclAcceptsSilentNonZeroRanksLikeRealMpiRuns() throws Exception {
        NcclAllReduceTest test = new NcclAllReduceTest();
        List<NodeCommand> commands = test.commands(PAIR, CTX);
        CommandResult rank0 = runner.run("node-1", NODE_1, Fault.NONE, commands.get(0).command());
        Evaluation e = test.evaluate(PAIR, commands, Map.of(
                commands.get(0).command().id(), rank0,
                commands.get(1).command().id(), completed(commands.get(1), 0, "", "")));

        assertThat(e.verdict()).isEqualTo(Verdict.PASS);
        assertThat(e.metrics()).containsKey("busbw_gbps.node-1").doesNotContainKey("busbw_gbps.node-2");
    }

    @Test
    void ibWriteBwPairPassesAndSlowSideIsNamed() throws Exception {
        IbWriteBwTest test = new IbWriteBwTest();
        List<NodeCommand> commands = test.commands(PAIR, CTX);
        assertThat(commands.get(0).command().argv()).containsExactly("ib_write_bw", "-d", "mlx5_0", "--report_gbits", "-s", "65536");
        assertThat(commands.get(1).command().argv()).containsExactly("ib_write_bw", "-d", "mlx5_0", "--report_gbits", "-s", "65536",
                "node-1.cluster");

        Evaluation pass = runAndEvaluate(test, PAIR, Fault.NONE, Fault.NONE);
        assertThat(pass.verdict()).isEqualTo(Verdict.PASS);
        assertThat(pass.metrics()).containsEntry("bw_threshold_gbps", 360.0);
        assertThat(pass.metrics().get("bw_avg_gbps")).isGreaterThan(360.0)
                .isEqualTo(Math.min(pass.metrics().get("bw_avg_gbps.node-1"), pass.metrics().get("bw_avg_gbps.node-2")));

        Evaluation slow = runAndEvaluate(test, PAIR, Fault.NONE, Fault.parse("slow-link"));
        assertThat(slow.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(slow.failedNodes()).containsExactly("node-2");
        assertThat(slow.reason()).matches("node-2: BW average \\d+\\.\\d\\d Gb/s < threshold 360\\.00 Gb/s");
    }

    @Test
    void ibWriteBwExitAndTimeout() throws Exception {
        IbWriteBwTest test = new IbWriteBwTest();
        Evaluation exit = runAndEvaluate(test, PAIR, Fault.NONE, new Fault.Exit(2));
        assertThat(exit.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(exit.reason()).startsWith("node-2: ib_write_bw exited 2: Unable to open file descriptor");

        List<NodeCommand> commands = test.commands(PAIR, CTX);
        Evaluation timeout = test.evaluate(PAIR, commands, Map.of(
                commands.get(0).command().id(), CommandResult.failed(commands.get(0).command().id(), "node-1",
                        CommandResult.Status.TIMED_OUT, Instant.now(), Duration.ofSeconds(120), "killed"),
                commands.get(1).command().id(), completed(commands.get(1), 0, Samples.read("ib-write-bw-mb-warning.txt"), "")));
        assertThat(timeout.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(timeout.failedNodes()).containsExactly("node-1", "node-2");
        assertThat(timeout.reason()).contains("node-1: ib_write_bw timed out after 120 s").contains("node-2: BW average 96.42 Gb/s");
    }

    @Test
    void ibWriteBwNeedsAPair() {
        assertThatThrownBy(() -> new IbWriteBwTest().commands(List.of("node-1"), CTX))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pairs");
    }
}
