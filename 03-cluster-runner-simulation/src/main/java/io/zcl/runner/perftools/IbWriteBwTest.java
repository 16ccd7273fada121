package io.zcl.runner.perftools;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeDescriptor;
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
 * RDMA write bandwidth between a pair (perftest ib_write_bw): the server on the group's first
 * node, the client on the second pointed at the server's host, both on the same NIC name (one
 * rail). Pass: the pair's "BW average" (the lower of the two sides) is at least the threshold.
 *
 * <p>Default threshold: {@value #DEFAULT_FRACTION} x the lower link rate of the two NICs. That is
 * Imbue's published bar (720 Gb/s on 800G-class links with GPUDirect RDMA) expressed as a share
 * of line rate: 64 KiB RDMA writes reach 95-97% of line rate on a healthy link, so 90% leaves room
 * for jitter while a degraded link (fewer lanes, lower speed, errors) falls well below.
 *
 * <p>The runner starts both commands at once; a real client that starts before its server fails
 * to connect, which shows as a failed pair (run it again). In the emulation client and server do
 * not exchange traffic: each side prints a table from its own NIC and fault, and the pair's
 * figure is their minimum, so a slow side is named.
 */
public final class IbWriteBwTest implements PerfTest {

    public static final String NAME = "ib_write_bw";
    public static final double DEFAULT_FRACTION = 0.9;

    /**
     * @param device            -d; null picks the server's first fabric NIC
     * @param messageSize       -s in bytes
     * @param durationSeconds   -D; 0 runs perftest's default 5000 iterations instead
     * @param minAvgGbps        fixed threshold in Gb/s; 0 derives it from the link rates
     * @param thresholdFraction share of the lower link rate the pair must reach when derived
     * @param timeout           per command
     */
    public record Options(String device, int messageSize, int durationSeconds, double minAvgGbps,
                          double thresholdFraction, Duration timeout) {
        public Options {
            if (messageSize < 1) {
                throw new IllegalArgumentException("messageSize must be >= 1, got " + messageSize);
            }
            if (durationSeconds < 0 || minAvgGbps < 0) {
                throw new IllegalArgumentException("durationSeconds and minAvgGbps must be >= 0");
            }
            if (!(thresholdFraction > 0 && thresholdFraction <= 1)) {
                throw new IllegalArgumentException("thresholdFraction must be in (0, 1], got " + thresholdFraction);
            }
        }

        public static Options defaults() {
            return new Options(null, 65536, 0, 0, DEFAULT_FRACTION, Duration.ofMinutes(2));
        }

        public Options withDevice(String dev) {
            return new Options(dev, messageSize, durationSeconds, minAvgGbps, thresholdFraction, timeout);
        }

        public Options withDuration(int seconds) {
            return new Options(device, messageSize, seconds, minAvgGbps, thresholdFraction, timeout);
        }

        public Options withMinAvgGbps(double gbps) {
            return new Options(device, messageSize, durationSeconds, gbps, thresholdFraction, timeout);
        }
    }

    private final Options options;
    /** Threshold per command id, from commands(): evaluate gets no SystemConfiguration. */
    private final Map<String, Double> thresholds = new ConcurrentHashMap<>();

    public IbWriteBwTest() {
        this(Options.defaults());
    }

    public IbWriteBwTest(Options options) {
        this.options = options;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int minGroupSize() {
        return 2;
    }

    @Override
    public List<NodeCommand> commands(List<String> group, OperationalContext ctx) {
        if (group.size() != 2) {
            throw new IllegalArgumentException(NAME + " runs on pairs; got a group of " + group.size() + ": " + group);
        }
        String serverNode = group.get(0);
        String clientNode = group.get(1);
        SystemConfiguration serverCfg = ctx.systemConfig(serverNode);
        SystemConfiguration clientCfg = ctx.systemConfig(clientNode);
        String device = options.device() != null ? options.device()
                : serverCfg.nics().isEmpty() ? "mlx5_0" : serverCfg.nics().get(0).name();
        String serverHost = ctx.nodes().stream().filter(n -> n.id().equals(serverNode)).findFirst()
                .map(NodeDescriptor::host).orElse(serverCfg.hostname());
        double threshold = options.minAvgGbps() > 0 ? options.minAvgGbps()
                : options.thresholdFraction() * Math.min(rate(serverCfg, device), rate(clientCfg, device));

        List<String> argv = new ArrayList<>(List.of("ib_write_bw", "-d", device, "--report_gbits",
                "-s", Integer.toString(options.messageSize())));
        if (options.durationSeconds() > 0) {
            argv.addAll(List.of("-D", Integer.toString(options.durationSeconds())));
        }
        Duration timeout = options.timeout().plusSeconds(options.durationSeconds());
        List<String> clientArgv = new ArrayList<>(argv);
        clientArgv.add(serverHost);
        Command server = new Command(NAME + ":server:" + serverNode + ":" + UUID.randomUUID(), argv, Map.of(), null, timeout);
        Command client = new Command(NAME + ":client:" + clientNode + ":" + UUID.randomUUID(), clientArgv, Map.of(), null, timeout);
        thresholds.put(server.id(), threshold);
        thresholds.put(client.id(), threshold);
        return List.of(new NodeCommand(serverNode, server), new NodeCommand(clientNode, client));
    }

    @Override
    public Evaluation evaluate(List<String> group, List<NodeCommand> commands, Map<String, CommandResult> results) {
        Findings findings = new Findings(NAME);
        double threshold = options.minAvgGbps();
        double pair = Double.POSITIVE_INFINITY;
        Map<String, Double> sides = new java.util.LinkedHashMap<>();
        for (NodeCommand nc : commands) {
            String node = nc.nodeId();
            Double t = thresholds.remove(nc.command().id());
            if (t != null) {
                threshold = t;
            } else if (options.minAvgGbps() <= 0) {
                findings.error(node, "no threshold for command " + nc.command().id()
                        + " (not made by this test's commands(); set Options.minAvgGbps)");
                continue;
            }
            Optional<CommandResult> done = findings.completed(node, nc.command().id(), results);
            if (done.isEmpty()) {
                continue;
            }
            CommandResult r = done.get();
            if (r.exitCode() != 0) {
                findings.fail(node, findings.exitProblem(r));
                continue;
            }
            IbWriteBwParser.Result parsed;
            try {
                parsed = IbWriteBwParser.parse(r.stdout());
            } catch (PerfToolParseException e) {
                findings.error(node, "unparseable ib_write_bw output: " + e.getMessage());
                continue;
            }
            double avg = parsed.averageGbps();
            findings.metric("bw_avg_gbps." + node, avg);
            pair = Math.min(pair, avg);
            sides.put(node, avg);
        }
        // Judged after the loop: the threshold is known once any command of the pair was seen.
        for (Map.Entry<String, Double> side : sides.entrySet()) {
            if (side.getValue() < threshold) {
                findings.fail(side.getKey(), String.format(Locale.ROOT, "BW average %.2f Gb/s < threshold %.2f Gb/s",
                        side.getValue(), threshold));
            }
        }
        if (pair != Double.POSITIVE_INFINITY) {
            findings.metric("bw_avg_gbps", pair);
        }
        findings.metric("bw_threshold_gbps", threshold);
        return findings.evaluation(group);
    }

    private static double rate(SystemConfiguration cfg, String device) {
        return cfg.nics().stream().filter(n -> n.name().equals(device)).mapToDouble(SystemConfiguration.Nic::linkRateGbps)
                .findFirst().orElse(0);
    }
}
