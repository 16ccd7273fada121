package io.zcl.runner.perftools;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.PerfTest;
import io.zcl.runner.api.SystemConfiguration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NCCL all_reduce across a group (nccl-tests all_reduce_perf): one process per node, each told
 * its MPI rank and world size the way mpirun tells it, each driving all the node's GPUs (-g).
 * A single node is allowed: that measures NVLink alone.
 *
 * <p>Pass: every rank's "Avg bus bandwidth" is at least the threshold, no failure line, no wrong
 * elements, exit 0. The failed nodes are the ranks below the threshold or failing. The default
 * threshold is {@value #DEFAULT_FRACTION} of what an ideal fabric at line rate would give for the
 * same size sweep under the latency-bandwidth (Hockney) model: per row busbw = B x s / (s + a x
 * algbw_peak), B = NVLink GB/s per GPU on one node, min(NVLink, NIC Gb/s sum / 8) across nodes,
 * a = {@value #LATENCY_MULTI_NODE_US} us across nodes ({@value #LATENCY_SINGLE_NODE_US} us on
 * one). The average over a sweep that starts at 8 B is far below B because small messages are
 * latency bound, so comparing it with line rate directly would fail every healthy node. A healthy
 * node reaches about 90% of that ideal; a link at a quarter of its rate about a quarter.
 *
 * <p>On a real cluster nccl-tests prints only on rank 0 and every rank sees the group's (slowest)
 * figure; other ranks that printed nothing and exited 0 are accepted. The emulated tool prints
 * on every rank from that rank's own profile, which is what lets it name the slow node.
 */
public final class NcclAllReduceTest implements PerfTest {

    public static final String NAME = "nccl_all_reduce";
    public static final double DEFAULT_FRACTION = 0.7;
    public static final double LATENCY_MULTI_NODE_US = 30;
    public static final double LATENCY_SINGLE_NODE_US = 10;
    /** GPU-to-GPU bandwidth without NVLink (PCIe Gen4 x16 in practice), GB/s. */
    public static final double PCIE_GBPS = 24;
    /** NCCL's socket fallback when a node lists no RDMA NIC, modelled as 10 GbE, GB/s. */
    public static final double SOCKET_GBPS = 1.25;
    private static final int FLOAT_BYTES = 4;

    /**
     * @param minBytes          -b, nccl-tests size syntax (8, 64K, 1M, 8G)
     * @param maxBytes          -e
     * @param stepFactor        -f (>= 2)
     * @param check             false adds "-c 0": faster, but #wrong becomes N/A and corruption goes unseen
     * @param minAvgBusBwGBps   fixed threshold in GB/s; 0 derives it from the SystemConfiguration
     * @param thresholdFraction share of the ideal figure a rank must reach when derived
     * @param timeout           per command
     */
    public record Options(String minBytes, String maxBytes, int stepFactor, boolean check, double minAvgBusBwGBps,
                          double thresholdFraction, Duration timeout) {
        public Options {
            if (parseSize(minBytes) > parseSize(maxBytes)) {
                throw new IllegalArgumentException("minBytes " + minBytes + " > maxBytes " + maxBytes);
            }
            if (stepFactor < 2) {
                throw new IllegalArgumentException("stepFactor must be >= 2, got " + stepFactor);
            }
            if (!(thresholdFraction > 0 && thresholdFraction <= 1)) {
                throw new IllegalArgumentException("thresholdFraction must be in (0, 1], got " + thresholdFraction);
            }
            if (minAvgBusBwGBps < 0) {
                throw new IllegalArgumentException("minAvgBusBwGBps must be >= 0, got " + minAvgBusBwGBps);
            }
        }

        public static Options defaults() {
            return new Options("8", "8G", 2, true, 0, DEFAULT_FRACTION, Duration.ofMinutes(10));
        }

        public Options withMinAvgBusBw(double gbps) {
            return new Options(minBytes, maxBytes, stepFactor, check, gbps, thresholdFraction, timeout);
        }

        public Options withSizes(String min, String max) {
            return new Options(min, max, stepFactor, check, minAvgBusBwGBps, thresholdFraction, timeout);
        }

        public Options withCheck(boolean on) {
            return new Options(minBytes, maxBytes, stepFactor, on, minAvgBusBwGBps, thresholdFraction, timeout);
        }

        public Options withTimeout(Duration t) {
            return new Options(minBytes, maxBytes, stepFactor, check, minAvgBusBwGBps, thresholdFraction, t);
        }
    }

    private record Expectation(int rank, double thresholdGBps, int ranks) {
    }

    private final Options options;
    /** Filled by commands(), read and dropped by evaluate(): evaluate gets no SystemConfiguration. */
    private final Map<String, Expectation> expectations = new ConcurrentHashMap<>();

    public NcclAllReduceTest() {
        this(Options.defaults());
    }

    public NcclAllReduceTest(Options options) {
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

    @Override
    public List<NodeCommand> commands(List<String> group, OperationalContext ctx) {
        List<SystemConfiguration> cfgs = group.stream().map(ctx::systemConfig).toList();
        int gpus = Math.max(1, cfgs.stream().mapToInt(c -> c.gpus().size()).min().orElse(1));
        int world = group.size();
        double threshold = options.minAvgBusBwGBps() > 0 ? options.minAvgBusBwGBps()
                : options.thresholdFraction() * idealAvgBusBwGBps(options, boundGBps(cfgs, gpus), world, gpus);
        List<String> argv = new ArrayList<>(List.of("all_reduce_perf", "-b", options.minBytes(), "-e", options.maxBytes(),
                "-f", Integer.toString(options.stepFactor()), "-g", Integer.toString(gpus)));
        if (!options.check()) {
            argv.addAll(List.of("-c", "0"));
        }
        List<NodeCommand> commands = new ArrayList<>();
        for (int rank = 0; rank < world; rank++) {
            String node = group.get(rank);
            Map<String, String> env = Map.of(
                    EmulationEnv.MPI_WORLD_SIZE, Integer.toString(world),
                    EmulationEnv.MPI_WORLD_RANK, Integer.toString(rank),
                    EmulationEnv.MPI_LOCAL_RANK, "0");
            Command command = new Command(NAME + ":" + node + ":" + UUID.randomUUID(), argv, env, null, options.timeout());
            expectations.put(command.id(), new Expectation(rank, threshold, world * gpus));
            commands.add(new NodeCommand(node, command));
        }
        return commands;
    }

    @Override
    public Evaluation evaluate(List<String> group, List<NodeCommand> commands, Map<String, CommandResult> results) {
        Findings findings = new Findings("all_reduce_perf");
        double groupFigure = Double.POSITIVE_INFINITY;
        double threshold = options.minAvgBusBwGBps();
        int printed = 0;
        for (NodeCommand nc : commands) {
            String node = nc.nodeId();
            Expectation exp = expectations.remove(nc.command().id());
            if (exp == null && options.minAvgBusBwGBps() <= 0) {
                findings.error(node, "no threshold for command " + nc.command().id()
                        + " (not made by this test's commands(); set Options.minAvgBusBwGBps)");
                continue;
            }
            if (exp != null) {
                threshold = exp.thresholdGBps();
            }
            Optional<CommandResult> done = findings.completed(node, nc.command().id(), results);
            if (done.isEmpty()) {
                continue;
            }
            CommandResult r = done.get();
            NcclTestsParser.Result parsed;
            try {
                parsed = NcclTestsParser.parse(r.stdout() + "\n" + r.stderr());
            } catch (PerfToolParseException e) {
                boolean silentRank = exp != null && exp.rank() > 0 && r.exitCode() == 0 && r.stdout().isBlank();
                if (!silentRank) {
                    if (r.exitCode() != 0) {
                        findings.fail(node, findings.exitProblem(r));
                    } else {
                        findings.error(node, "unparseable all_reduce_perf output: " + e.getMessage());
                    }
                }
                continue;
            }
            // Corruption first: such a run also ends with a generic "Test failure" line.
            long wrong = parsed.rows().stream().mapToLong(NcclTestsParser.Row::wrong).sum();
            if (parsed.outOfBounds().orElse(0) > 0 || wrong > 0) {
                findings.fail(node, parsed.outOfBounds().orElse(0) + " out-of-bounds results, " + wrong
                        + " wrong elements (data corruption)");
                continue;
            }
            if (!parsed.failures().isEmpty()) {
                findings.fail(node, parsed.failures().get(0) + (r.exitCode() != 0 ? " (exit " + r.exitCode() + ")" : ""));
                continue;
            }
            if (r.exitCode() != 0) {
                findings.fail(node, findings.exitProblem(r));
                continue;
            }
            if (parsed.avgBusBwGBps().isEmpty()) {
                findings.error(node, "no '# Avg bus bandwidth' line (output cut short?)");
                continue;
            }
            double busbw = parsed.avgBusBwGBps().getAsDouble();
            printed++;
            groupFigure = Math.min(groupFigure, busbw);
            findings.metric("busbw_gbps." + node, busbw);
            parsed.largestMessageBusBwGBps().ifPresent(v -> findings.metric("busbw_max_gbps." + node, v));
            if (busbw < threshold) {
                findings.fail(node, String.format(Locale.ROOT, "avg busbw %.2f GB/s < threshold %.2f GB/s", busbw, threshold));
            }
        }
        if (printed > 0) {
            findings.metric("busbw_gbps", groupFigure);
        }
        findings.metric("busbw_threshold_gbps", threshold);
        return findings.evaluation(group);
    }

    /** GB/s that bounds busbw: NVLink within a node, the slower of NVLink and the fabric across nodes. */
    static double boundGBps(List<SystemConfiguration> cfgs, int gpusPerNode) {
        double nvlink = cfgs.stream().mapToDouble(c -> c.nvlinkGbPerSecPerGpu() > 0 ? c.nvlinkGbPerSecPerGpu() : PCIE_GBPS)
                .min().orElse(PCIE_GBPS);
        if (cfgs.size() == 1) {
            return nvlink;
        }
        double fabric = cfgs.stream().mapToDouble(c -> {
            double sum = c.nics().stream().mapToDouble(SystemConfiguration.Nic::linkRateGbps).sum() / 8;
            return sum > 0 ? sum : SOCKET_GBPS;
        }).min().orElse(SOCKET_GBPS);
        return gpusPerNode > 1 ? Math.min(nvlink, fabric) : fabric;
    }

    /** Mean busbw an ideal link of {@code boundGBps} gives over the sweep (Hockney model, see class doc). */
    static double idealAvgBusBwGBps(Options o, double boundGBps, int nodes, int gpusPerNode) {
        int n = nodes * gpusPerNode;
        if (n < 2 || boundGBps <= 0) {
            return 0;
        }
        double latencyUs = nodes > 1 ? LATENCY_MULTI_NODE_US : LATENCY_SINGLE_NODE_US;
        double peakAlgBytesPerUs = boundGBps * 1e3 * n / (2.0 * (n - 1));
        double sum = 0;
        int rows = 0;
        for (long size : sweep(o.minBytes(), o.maxBytes(), o.stepFactor())) {
            long bytes = size / FLOAT_BYTES * FLOAT_BYTES;
            sum += boundGBps * bytes / (bytes + latencyUs * peakAlgBytesPerUs);
            rows++;
        }
        return rows == 0 ? 0 : sum / rows;
    }

    /** The message sizes all_reduce_perf -b min -e max -f factor runs, in order. */
    static List<Long> sweep(String min, String max, int factor) {
        long lo = parseSize(min);
        long hi = parseSize(max);
        List<Long> sizes = new ArrayList<>();
        for (long s = Math.max(lo, 1); s <= hi; s *= factor) {
            sizes.add(s);
        }
        return sizes;
    }

    /** nccl-tests' size syntax: a number with an optional K, M or G suffix (powers of 1024). */
    static long parseSize(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size");
        }
        String t = text.trim();
        char unit = Character.toUpperCase(t.charAt(t.length() - 1));
        long mult = switch (unit) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = mult == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return (long) (Double.parseDouble(digits) * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad size '" + text + "': expected a number with an optional K, M or G", e);
        }
    }
}
