package io.zcl.runner.perftools;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPU stress on one node (wilicc/gpu-burn): {@code gpu_burn -d 60} burns every GPU with doubles
 * for 60 s and compares the results. Pass: every GPU listed and OK, as many GPUs as the node's
 * SystemConfiguration has, exit 0. gpu-burn itself exits 0 even with a FAULTY GPU, so the verdict
 * reads the summary rather than trusting the exit code.
 *
 * <p>A group may hold several nodes; each runs its own burn and is judged alone. In a simulation
 * keep the wall-clock short with {@link EmulationEnv#TIME_SCALE} on the nodes rather than a short
 * burn here, so the argv stays what a real cluster runs.
 */
public final class GpuBurnTest implements PerfTest {

    public static final String NAME = "gpu_burn";
    /** gpu-burn waits up to 30 s for its workers after SIGTERM, plus start-up and CUDA init. */
    private static final Duration OVERHEAD = Duration.ofSeconds(90);

    /**
     * @param seconds     burn duration, gpu_burn's TIME argument
     * @param doubles     -d: DGEMM instead of SGEMM
     * @param tensorCores -tc
     */
    public record Options(int seconds, boolean doubles, boolean tensorCores) {
        public Options {
            if (seconds < 1) {
                throw new IllegalArgumentException("seconds must be >= 1, got " + seconds);
            }
        }

        public static Options defaults() {
            return new Options(60, true, false);
        }
    }

    private final Options options;
    /** GPU count per command id, from commands(): evaluate gets no SystemConfiguration. */
    private final Map<String, Integer> expectedGpus = new ConcurrentHashMap<>();

    public GpuBurnTest() {
        this(Options.defaults());
    }

    public GpuBurnTest(Options options) {
        this.options = options;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int minGroupSize() {
        return 1;
    }

    /** The argv a node runs. */
    public List<String> argv() {
        List<String> argv = new ArrayList<>(List.of("gpu_burn"));
        if (options.doubles()) {
            argv.add("-d");
        }
        if (options.tensorCores()) {
            argv.add("-tc");
        }
        argv.add(Integer.toString(options.seconds()));
        return argv;
    }

    @Override
    public List<NodeCommand> commands(List<String> group, OperationalContext ctx) {
        Duration timeout = Duration.ofSeconds(options.seconds()).plus(OVERHEAD);
        List<NodeCommand> commands = new ArrayList<>();
        for (String node : group) {
            Command command = new Command(NAME + ":" + node + ":" + UUID.randomUUID(), argv(), Map.of(), null, timeout);
            expectedGpus.put(command.id(), ctx.systemConfig(node).gpus().size());
            commands.add(new NodeCommand(node, command));
        }
        return commands;
    }

    @Override
    public Evaluation evaluate(List<String> group, List<NodeCommand> commands, Map<String, CommandResult> results) {
        Findings findings = new Findings(NAME);
        double minGflops = Double.POSITIVE_INFINITY;
        for (NodeCommand nc : commands) {
            String node = nc.nodeId();
            Integer expected = expectedGpus.remove(nc.command().id());
            Optional<CommandResult> done = findings.completed(node, nc.command().id(), results);
            if (done.isEmpty()) {
                continue;
            }
            CommandResult r = done.get();
            GpuBurnParser.Result parsed;
            try {
                parsed = GpuBurnParser.parse(r.stdout() + "\n" + r.stderr());
            } catch (PerfToolParseException e) {
                if (r.exitCode() != 0) {
                    findings.fail(node, findings.exitProblem(r));
                } else {
                    findings.error(node, "unparseable gpu_burn output: " + e.getMessage());
                }
                continue;
            }
            Optional<GpuBurnParser.Progress> progress = parsed.progress();
            if (progress.isPresent() && !progress.get().gflops().isEmpty()) {
                double min = progress.get().gflops().stream().mapToDouble(Double::doubleValue).min().orElse(0);
                findings.metric("gflops_min." + node, min);
                minGflops = Math.min(minGflops, min);
            }
            findings.metric("gpus_faulty." + node, parsed.faultyGpus().size());
            if (parsed.aborted()) {
                findings.fail(node, "every GPU worker died (No clients are alive!)" + exitSuffix(r));
            } else if (!parsed.faultyGpus().isEmpty()) {
                findings.fail(node, "FAULTY GPU " + parsed.faultyGpus() + " (compute errors)");
            } else if (parsed.tested().isEmpty()) {
                findings.fail(node, "no 'Tested N GPUs' summary" + exitSuffix(r));
            } else if (expected != null && parsed.tested().getAsInt() < expected) {
                findings.fail(node, "tested " + parsed.tested().getAsInt() + " of " + expected + " GPUs");
            } else if (!parsed.allOk()) {
                findings.fail(node, "summary lists " + parsed.gpus().size() + " of " + parsed.tested().getAsInt() + " GPUs");
            } else if (r.exitCode() != 0) {
                findings.fail(node, findings.exitProblem(r));
            }
        }
        if (minGflops != Double.POSITIVE_INFINITY) {
            findings.metric("gflops_min", minGflops);
        }
        return findings.evaluation(group);
    }

    private static String exitSuffix(CommandResult r) {
        return r.exitCode() == 0 ? "" : ", exit " + r.exitCode();
    }
}
