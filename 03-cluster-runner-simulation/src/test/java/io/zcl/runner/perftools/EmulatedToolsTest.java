package io.zcl.runner.perftools;

import io.zcl.runner.api.SystemConfiguration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The emulated tools run as real processes with a node's env, and their output goes through the
 * same parsers as the real tools' samples.
 */
class EmulatedToolsTest {

    @TempDir
    static Path tmp;
    static Path tools;
    static ToolRunner runner;
    static final SystemConfiguration NODE_1 = Profiles.h100("node-1");
    static final SystemConfiguration NODE_2 = Profiles.h100("node-2");

    @BeforeAll
    static void install() throws Exception {
        tools = EmulatedTools.install(tmp.resolve("bin"));
        runner = new ToolRunner(tools, Files.createDirectories(tmp.resolve("out")));
    }

    record Run(int exit, String stdout, String stderr) {
    }

    static Run run(SystemConfiguration cfg, Fault fault, Map<String, String> cmdEnv, String... argv) throws Exception {
        Process p = runner.start(EmulationEnv.forNode(cfg, fault), cmdEnv, List.of(argv));
        try {
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("%s exits", argv[0]).isTrue();
            return new Run(p.exitValue(), runner.stdout(p), runner.stderr(p));
        } finally {
            p.destroyForcibly();
        }
    }

    static Map<String, String> rank(int rank, int world) {
        return Map.of(EmulationEnv.MPI_WORLD_SIZE, Integer.toString(world), EmulationEnv.MPI_WORLD_RANK, Integer.toString(rank));
    }

    /** The emulator's model without jitter: mean busbw over 8 B..8 GiB, x2 factor sweep. */
    static double modelAvgBusBw(double boundGBps, int ranks, double latencyUs) {
        double peakAlg = 0.9 * boundGBps * ranks / (2.0 * (ranks - 1));
        double sum = 0;
        int rows = 0;
        for (long s = 8; s <= 8L << 30; s *= 2) {
            double t = latencyUs + s / (peakAlg * 1e3);
            sum += s / 1e3 / t * 2.0 * (ranks - 1) / ranks;
            rows++;
        }
        return sum / rows;
    }

    @Test
    void installIsIdempotentAndMakesExecutables() throws Exception {
        Path dir = tmp.resolve("again");
        EmulatedTools.install(dir);
        FileTime first = Files.getLastModifiedTime(dir.resolve("gpu_burn"));
        Files.setLastModifiedTime(dir.resolve("gpu_burn"), FileTime.fromMillis(first.toMillis() - 60_000));
        EmulatedTools.install(dir);

        for (String tool : EmulatedTools.TOOLS) {
            assertThat(dir.resolve(tool)).isExecutable().hasBinaryContent(EmulatedTools.script(tool));
        }
        assertThat(Files.getLastModifiedTime(dir.resolve("gpu_burn")).toMillis()).isEqualTo(first.toMillis() - 60_000);
        assertThat(EmulatedTools.pathWith(dir, "/usr/bin")).isEqualTo(dir + ":/usr/bin");
    }

    @Test
    void singleNodeAllReduceFollowsTheNvlinkModel() throws Exception {
        Run r = run(NODE_1, Fault.NONE, Map.of(), "all_reduce_perf", "-b", "8", "-e", "8G", "-f", "2", "-g", "8");
        NcclTestsParser.Result parsed = NcclTestsParser.parse(r.stdout());

        assertThat(r.exit()).isZero();
        assertThat(parsed.rows()).hasSize(31);
        assertThat(parsed.deviceLines()).hasSize(8).allSatisfy(l -> assertThat(l).contains("node-1").endsWith("NVIDIA H100 80GB HBM3"));
        assertThat(parsed.avgBusBwGBps().getAsDouble()).isCloseTo(modelAvgBusBw(450, 8, 10), within(0.02 * modelAvgBusBw(450, 8, 10)));
        assertThat(parsed.largestMessageBusBwGBps().getAsDouble()).isCloseTo(0.9 * 450, within(0.02 * 405));
        assertThat(parsed.avgBusBwGBps().getAsDouble()).isCloseTo(parsed.meanBusBwGBps(), within(0.01));
    }

    @Test
    void twoNodeAllReduceIsBoundByTheFabricAndKeepsTheBusbwIdentity() throws Exception {
        for (int rank = 0; rank < 2; rank++) {
            Run r = run(rank == 0 ? NODE_1 : NODE_2, Fault.NONE, rank(rank, 2),
                    "all_reduce_perf", "-b", "8", "-e", "8G", "-f", "2", "-g", "8");
            NcclTestsParser.Result parsed = NcclTestsParser.parse(r.stdout());

            double factor = 2.0 * (16 - 1) / 16;
            assertThat(parsed.rows()).allSatisfy(row -> {
                assertThat(row.outOfPlace().busBwGBps()).isCloseTo(row.outOfPlace().algBwGBps() * factor, within(0.006 + 0.006 * factor));
                assertThat(row.inPlace().busBwGBps()).isCloseTo(row.inPlace().algBwGBps() * factor, within(0.006 + 0.006 * factor));
            });
            assertThat(parsed.deviceLines().get(0)).startsWith("#  Rank " + String.format("%2d", rank * 8));
            assertThat(parsed.avgBusBwGBps().getAsDouble()).isCloseTo(modelAvgBusBw(400, 16, 30), within(0.02 * modelAvgBusBw(400, 16, 30)));
        }
    }

    @Test
    void slowLinkPushesBusbwBelowTheThreshold() throws Exception {
        double threshold = NcclAllReduceTest.DEFAULT_FRACTION
                * NcclAllReduceTest.idealAvgBusBwGBps(NcclAllReduceTest.Options.defaults(), 400, 2, 8);
        String[] argv = {"all_reduce_perf", "-b", "8", "-e", "8G", "-f", "2", "-g", "8"};
        double healthy = NcclTestsParser.parse(run(NODE_1, Fault.NONE, rank(0, 2), argv).stdout()).avgBusBwGBps().getAsDouble();
        double slow = NcclTestsParser.parse(run(NODE_2, Fault.parse("slow-link"), rank(1, 2), argv).stdout()).avgBusBwGBps().getAsDouble();

        assertThat(healthy).isGreaterThan(threshold);
        assertThat(slow).isLessThan(threshold).isLessThan(0.4 * healthy);
    }

    @Test
    void faultyGpuIsFaultyInGpuBurnAndCorruptsAllReduce() throws Exception {
        Run burn = run(NODE_1, Fault.parse("faulty-gpu:3"), Map.of(), "gpu_burn", "-d", "60");
        GpuBurnParser.Result b = GpuBurnParser.parse(burn.stdout());
        assertThat(burn.exit()).as("gpu-burn exits 0 even with a FAULTY GPU").isZero();
        assertThat(b.faultyGpus()).containsExactly(3);
        assertThat(b.tested()).hasValue(8);
        assertThat(b.progress().orElseThrow().errors().get(3)).isPositive();

        Run nccl = run(NODE_1, Fault.parse("faulty-gpu:3"), Map.of(), "all_reduce_perf", "-b", "1M", "-e", "64M", "-f", "2", "-g", "8");
        NcclTestsParser.Result n = NcclTestsParser.parse(nccl.stdout());
        assertThat(nccl.exit()).isNotZero();
        assertThat(n.failed()).isTrue();
        assertThat(n.outOfBounds().getAsInt()).isEqualTo(2 * n.rows().size());

        Run unchecked = run(NODE_1, Fault.parse("faulty-gpu:3"), Map.of(), "all_reduce_perf", "-b", "1M", "-e", "64M", "-f", "2", "-g", "8", "-c", "0");
        assertThat(unchecked.exit()).as("with -c 0 corruption goes unseen, as on real hardware").isZero();
        assertThat(NcclTestsParser.parse(unchecked.stdout()).rows()).allSatisfy(row -> assertThat(row.inPlace().wrong().checked()).isFalse());
    }

    @Test
    void deadGpusAbortGpuBurnAndFailAllReduce() throws Exception {
        Run burn = run(NODE_1, new Fault.DeadGpus(), Map.of(), "gpu_burn", "60");
        GpuBurnParser.Result b = GpuBurnParser.parse(burn.stdout() + burn.stderr());
        assertThat(burn.exit()).isEqualTo(123);
        assertThat(b.aborted()).isTrue();
        assertThat(burn.stderr()).contains("No clients are alive!  Aborting");

        Run nccl = run(NODE_1, new Fault.DeadGpus(), Map.of(), "all_reduce_perf", "-g", "8");
        assertThat(nccl.exit()).isEqualTo(3);
        assertThat(NcclTestsParser.parse(nccl.stdout()).failures().get(0)).startsWith("node-1: Test NCCL failure");
    }

    @Test
    void hangKeepsRunningUntilKilledAndLeavesNoChild() throws Exception {
        for (String tool : EmulatedTools.TOOLS) {
            Process p = runner.start(EmulationEnv.forNode(NODE_1, new Fault.Hang()), Map.of(), List.of(tool, "-d", "mlx5_0"));
            try {
                assertThat(p.waitFor(500, TimeUnit.MILLISECONDS)).as("%s still running after 500 ms", tool).isFalse();
                assertThat(p.toHandle().descendants().count()).as("exec sleep: killing %s kills everything", tool).isZero();
                p.destroy();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s dies on SIGTERM", tool).isTrue();
                assertThat(runner.stdout(p)).as("%s printed its preamble first", tool).isNotEmpty();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void exitFaultExitsWithItsCodeAfterAnErrorLine() throws Exception {
        Run nccl = run(NODE_1, new Fault.Exit(7), Map.of(), "all_reduce_perf", "-g", "8");
        assertThat(nccl.exit()).isEqualTo(7);
        assertThat(NcclTestsParser.parse(nccl.stdout()).failures()).isNotEmpty();

        Run ib = run(NODE_2, new Fault.Exit(2), Map.of(), "ib_write_bw", "-d", "mlx5_0", "--report_gbits", "node-1");
        assertThat(ib.exit()).isEqualTo(2);
        assertThat(ib.stderr()).contains("Couldn't connect to node-1:18515");

        Run burn = run(NODE_1, new Fault.Exit(3), Map.of(), "gpu_burn", "60");
        assertThat(burn.exit()).isEqualTo(3);
        assertThat(burn.stderr()).contains("No CUDA devices");
    }

    @Test
    void ibWriteBwBothSidesAndUnits() throws Exception {
        Run server = run(NODE_1, Fault.NONE, Map.of(), "ib_write_bw", "-d", "mlx5_0", "--report_gbits", "-s", "65536");
        Run client = run(NODE_2, Fault.NONE, Map.of(), "ib_write_bw", "-d", "mlx5_0", "--report_gbits", "-s", "65536", "node-1");
        IbWriteBwParser.Result s = IbWriteBwParser.parse(server.stdout());
        IbWriteBwParser.Result c = IbWriteBwParser.parse(client.stdout());
        double model = 0.965 * 400 * 65536 / (65536 + 2048);

        assertThat(s.server()).isTrue();
        assertThat(c.server()).isFalse();
        assertThat(List.of(s, c)).allSatisfy(side -> {
            assertThat(side.unit()).isEqualTo(IbWriteBwParser.Unit.GBIT_PER_SEC);
            assertThat(side.device()).hasValue("mlx5_0");
            assertThat(side.rows()).singleElement().satisfies(row -> assertThat(row.iterations()).isEqualTo(5000));
            assertThat(side.averageGbps()).isCloseTo(model, within(0.01 * model)).isGreaterThan(0.9 * 400);
        });

        Run mib = run(NODE_2, Fault.NONE, Map.of(), "ib_write_bw", "-d", "mlx5_1", "-D", "5", "node-1");
        IbWriteBwParser.Result m = IbWriteBwParser.parse(mib.stdout());
        assertThat(m.unit()).isEqualTo(IbWriteBwParser.Unit.MIB_PER_SEC);
        assertThat(m.rows().get(0).peakGbps()).isZero();
        assertThat(m.averageGbps()).isCloseTo(model, within(0.01 * model));

        Run unknown = run(NODE_2, Fault.NONE, Map.of(), "ib_write_bw", "-d", "mlx5_9", "node-1");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("IB device mlx5_9 not found");
    }

    @Test
    void slowLinkAllSizesPrintsSixDecimalRows() throws Exception {
        Run r = run(NODE_2, Fault.parse("slow-link"), Map.of(), "ib_write_bw", "-a", "--report_gbits", "node-1");
        IbWriteBwParser.Result parsed = IbWriteBwParser.parse(r.stdout());

        assertThat(parsed.rows()).hasSize(23);
        assertThat(r.stdout()).containsPattern("(?m)^ 2 {10}5000 {11}0\\.0\\d{5} ");
        assertThat(parsed.rows().get(0).averageGbps()).isLessThan(0.1);
        assertThat(parsed.averageGbps()).isLessThan(0.3 * 400);
    }

    @Test
    void samplesAndEmulatedOutputHaveTheSameShape() throws Exception {
        NcclTestsParser.Result sample = NcclTestsParser.parse(Samples.read("nccl-all-reduce-current.txt"));
        NcclTestsParser.Result emulated = NcclTestsParser.parse(
                run(NODE_1, Fault.NONE, Map.of(), "all_reduce_perf", "-b", "8", "-e", "2G", "-f", "2", "-g", "8").stdout());
        assertThat(emulated.rows()).hasSameSizeAs(sample.rows());
        assertThat(emulated.version()).isPresent();
        assertThat(emulated.deviceLines()).hasSameSizeAs(sample.deviceLines());
        for (int i = 0; i < sample.rows().size(); i++) {
            NcclTestsParser.Row a = sample.rows().get(i);
            NcclTestsParser.Row b = emulated.rows().get(i);
            assertThat(List.of(b.sizeBytes(), b.count(), b.type(), b.redop(), b.root(), b.outOfPlace().wrong()))
                    .isEqualTo(List.of(a.sizeBytes(), a.count(), a.type(), a.redop(), a.root(), a.outOfPlace().wrong()));
        }
        assertThat(emulated.outOfBounds()).isEqualTo(sample.outOfBounds());

        IbWriteBwParser.Result ibSample = IbWriteBwParser.parse(Samples.read("ib-write-bw-gbits-all-sizes.txt"));
        IbWriteBwParser.Result ibEmulated = IbWriteBwParser.parse(
                run(NODE_2, Fault.NONE, Map.of(), "ib_write_bw", "-d", "mlx5_3", "-a", "--report_gbits", "node-1").stdout());
        assertThat(ibEmulated.rows()).extracting(IbWriteBwParser.Row::sizeBytes)
                .isEqualTo(ibSample.rows().stream().map(IbWriteBwParser.Row::sizeBytes).toList());
        assertThat(List.of(ibEmulated.title(), ibEmulated.device(), ibEmulated.unit(), ibEmulated.server()))
                .isEqualTo(List.of(ibSample.title(), ibSample.device(), ibSample.unit(), ibSample.server()));

        GpuBurnParser.Result burnSample = GpuBurnParser.parse(Samples.read("gpu-burn-faulty.txt"));
        GpuBurnParser.Result burnEmulated = GpuBurnParser.parse(run(NODE_1, new Fault.FaultyGpu(5), Map.of(), "gpu_burn", "30").stdout());
        assertThat(burnEmulated.tested()).isEqualTo(burnSample.tested());
        assertThat(burnEmulated.faultyGpus()).isEqualTo(burnSample.faultyGpus());
        assertThat(burnEmulated.progress().orElseThrow().gflops()).hasSameSizeAs(burnSample.progress().orElseThrow().gflops());
    }

    @Test
    void timeScaleStretchesTheRun() throws Exception {
        Process p = runner.start(EmulationEnv.forNode(NODE_1, Fault.NONE, 0.01, 0), Map.of(), List.of("gpu_burn", "60"));
        try {
            long t0 = System.nanoTime();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat((System.nanoTime() - t0) / 1e6).as("60 s x 0.01 = 0.6 s").isBetween(550.0, 5000.0);
            assertThat(GpuBurnParser.parse(runner.stdout(p)).allOk()).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void toolsStartAndExitInTensOfMilliseconds() throws Exception {
        for (String[] argv : List.of(new String[] {"all_reduce_perf", "-b", "8", "-e", "8G", "-f", "2", "-g", "8"},
                new String[] {"ib_write_bw", "-d", "mlx5_0", "--report_gbits", "-s", "65536", "node-1"},
                new String[] {"gpu_burn", "-d", "60"})) {
            run(NODE_1, Fault.NONE, Map.of(), argv);   // warm the page cache
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                Run r = run(NODE_1, Fault.NONE, Map.of(), argv);
                ms.add((System.nanoTime() - t0) / 1e6);
                assertThat(r.exit()).isZero();
            }
            Collections.sort(ms);
            System.out.printf("start-to-exit %s: min %.1f ms, median %.1f ms, max %.1f ms (10 runs)%n",
                    argv[0], ms.get(0), ms.get(5), ms.get(9));
            // Loose on purpose (shared CI cores): the printed figures are the measurement; this only
            // catches a tool that grew a JVM or a sleep per call.
            assertThat(ms.get(5)).as("median ms of %s", argv[0]).isLessThan(1000);
        }
    }
}
