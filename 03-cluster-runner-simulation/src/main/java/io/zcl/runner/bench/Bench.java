package io.zcl.runner.bench;

import io.zcl.runner.api.Command;
import io.zcl.runner.api.CommandResult;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.zmq.NodeAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The SSH-vs-ZeroMQ benchmark: the same nodes, the same commands, both transports in one run,
 * with the floors (a bare process spawn, and a ZeroMQ round trip with no spawn) measured in the
 * same run so every figure is read as a ratio.
 */
public final class Bench {

    /**
     * @param nodeCounts  cluster sizes to measure
     * @param samples     round trips per latency series, after {@code warmup} more
     * @param fanouts     fan-out repetitions per size (the median is reported)
     * @param streamBytes size of the streamed-output test
     * @param heartbeatMs ZeroMQ heartbeat (detection is bounded by 3 x this)
     */
    public record Settings(List<Integer> nodeCounts, int samples, int warmup, int fanouts, long streamBytes,
                           int heartbeatMs, List<String> transports) {
        public Settings {
            nodeCounts = List.copyOf(nodeCounts);
            transports = List.copyOf(transports);
            if (nodeCounts.isEmpty() || nodeCounts.stream().anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException("node counts must be >= 1, got " + nodeCounts);
            }
            if (samples < 1 || warmup < 0 || fanouts < 1 || streamBytes < 0 || heartbeatMs < 1) {
                throw new IllegalArgumentException("samples, fan-outs and heartbeat must be positive");
            }
        }

        public static Settings defaults() {
            return new Settings(List.of(1, 8, 64, 256), 500, 100, 5, 10L * 1024 * 1024, 1000, List.of("zmq", "ssh"));
        }
    }

    /** A latency series: percentiles in milliseconds (recorded in microseconds); cdf rows are [ms, percentile]. */
    public record Latency(String name, long count, double p50Ms, double p90Ms, double p99Ms, double maxMs,
                          List<double[]> cdf) {
        static Latency of(String name, Histogram h) {
            List<double[]> cdf = new ArrayList<>();
            for (double p : new double[] {1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100}) {
                cdf.add(new double[] {h.getValueAtPercentile(p) / 1000.0, p});
            }
            return new Latency(name, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, cdf);
        }
    }

    /**
     * What one transport did at one cluster size. {@code lostWhileMeasuring}: how often the transport
     * declared a node lost before the deliberate kill (null when it cannot tell).
     */
    public record SizeResult(String transport, int nodes, double setupMs, double fanoutMedianMs, double[] fanoutMs,
                             double commandsPerSecond, Double detectionMs, Long coordinatorBytesPerNode,
                             Long lostWhileMeasuring) {
    }

    /**
     * CPU per command in one phase: the coordinator side (this JVM's own user + system time, which
     * for ZeroMQ is the coordinator and for SSH the MINA client) and the nodes' side (the agent
     * farm JVM with the processes it reaped, or every sshd with its sessions and their commands),
     * each over the commands of the phase. Null where the side cannot be told apart. For the spawn
     * floor, {@code coordinatorMs} is this JVM with its reaped children: the bare spawn's whole cost.
     */
    public record CpuPerCommand(String transport, String phase, int nodes, long commands, Double coordinatorMs,
                                Double nodeMs) {
    }

    /** The whole run. */
    public record Report(Map<String, String> machine, Settings settings, List<Latency> latencies,
                         List<SizeResult> sizes, Map<String, Double> streamMs, Map<String, String> notes,
                         List<CpuPerCommand> cpu) {
        public Report {
            cpu = List.copyOf(cpu);
        }
    }

    /** Readings of both sides' CPU at the start of a phase. */
    private record CpuMark(OptionalLong self, OptionalLong nodes) {
        static CpuMark of(Contender c) {
            return new CpuMark(c.clientCpuNanos(), c.nodeCpuNanos());
        }

        CpuPerCommand since(String transport, String phase, int nodeCount, long commands, Contender c) {
            return new CpuPerCommand(transport, phase, nodeCount, commands, perCommand(self, c.clientCpuNanos(), commands),
                    perCommand(nodes, c.nodeCpuNanos(), commands));
        }

        static Double perCommand(OptionalLong before, OptionalLong after, long commands) {
            return before.isPresent() && after.isPresent() && commands > 0
                    ? (after.getAsLong() - before.getAsLong()) / 1e6 / commands : null;
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;

    public Bench(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Makes the contender for a transport name; SSH comes from a factory the caller supplies. */
    public Report run(Map<String, Supplier<Contender>> contenders) throws Exception {
        // Before anything is measured: a contender whose program is missing says what to install.
        List<String> missing = Contenders.missingPrograms(settings.transports());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("cannot run " + String.join("; ", missing));
        }
        Map<String, String> machine = Machine.describe(); // before the run loads the machine itself
        try (Machine.LoadSampler load = new Machine.LoadSampler()) {
            Report measured = measure(contenders);
            load.describe(machine);
            machine.put("load_average_at_end", Machine.loadAverage());
            return new Report(machine, measured.settings(), measured.latencies(), measured.sizes(), measured.streamMs(),
                    measured.notes(), measured.cpu());
        }
    }

    private Report measure(Map<String, Supplier<Contender>> contenders) throws Exception {
        List<Latency> latencies = new ArrayList<>();
        List<SizeResult> sizes = new ArrayList<>();
        Map<String, Double> stream = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        List<CpuPerCommand> cpu = new ArrayList<>();

        progress.accept("floor: bare ProcessBuilder spawn of `true`");
        OptionalLong[] floorCpu = new OptionalLong[1];
        latencies.add(Latency.of("spawn (floor)", spawnFloor(() -> floorCpu[0] = CpuTime.selfWithChildren())));
        cpu.add(new CpuPerCommand("spawn (floor)", "`true` spawned and reaped by this JVM", 1, settings.samples(),
                CpuMark.perCommand(floorCpu[0], CpuTime.selfWithChildren(), settings.samples()), null));

        for (String transport : settings.transports()) {
            if (!contenders.containsKey(transport)) {
                throw new IllegalArgumentException("unknown transport '" + transport + "'; known: " + contenders.keySet());
            }
        }
        List<String> zmqFamily = settings.transports().stream().filter(t -> t.startsWith("zmq")).toList();
        if (zmqFamily.size() > 1) {
            // zmq and zmq-curve share this JVM's coordinator code: the first one measured would also
            // pay its JIT warm-up (measured: the first of the two looked 1.6 to 5 x slower, in either
            // order). So each runs once, unmeasured, before any is measured.
            for (String transport : zmqFamily) {
                progress.accept(transport + ": warming up this JVM (1 node, not measured)");
                try (Contender c = contenders.get(transport).get()) {
                    c.connect(1);
                    NodeExecutor node1 = c.executor(c.nodeIds().get(0));
                    roundTrips(node1, NodeAgent.BUILTIN_NOOP);
                    roundTrips(node1, "true");
                    if (settings.streamBytes() > 0) {
                        streamMs(node1);
                    }
                }
            }
            notes.put("warm-up", "zmq transports each ran once on 1 node (" + (settings.warmup() + settings.samples())
                    + " no-op and `true` round trips" + (settings.streamBytes() > 0 ? ", one stream" : "")
                    + ") before any was measured, so the order of " + zmqFamily + " does not favour the later one");
        }
        if (warmUpFanouts(settings) > 0) {
            notes.put("warm-up per size", "at each cluster size every contender first ran " + warmUpFanouts(settings)
                    + " unmeasured fan-outs of `true` to all its nodes (--warmup / 10), so the fan-out and sustained "
                    + "figures are those of warm agents, as on a cluster whose agents run for days");
        }
        for (String transport : settings.transports()) {
            Supplier<Contender> make = contenders.get(transport);
            for (int i = 0; i < settings.nodeCounts().size(); i++) {
                int n = settings.nodeCounts().get(i);
                boolean first = i == 0;
                try (Contender c = make.get()) {
                    progress.accept(transport + ": connecting " + n + " nodes");
                    Duration setup = c.connect(n);
                    NodeExecutor node1 = c.executor(c.nodeIds().get(0));
                    if (first) {
                        progress.accept(transport + ": " + settings.samples() + " round trips of `true`");
                        // CPU is read over the measured round trips only, as the latencies are: the
                        // warm-up ones also pay the fresh agent JVM's JIT compilation.
                        CpuMark[] mark = new CpuMark[1];
                        latencies.add(Latency.of(transport, roundTrips(node1, "true", () -> mark[0] = CpuMark.of(c))));
                        cpu.add(mark[0].since(transport, "round trips of `true`", 1, settings.samples(), c));
                        if (transport.startsWith("zmq")) {
                            progress.accept(transport + ": round trips of the built-in no-op (no spawn)");
                            latencies.add(Latency.of(transport + " no-spawn",
                                    roundTrips(node1, NodeAgent.BUILTIN_NOOP, () -> mark[0] = CpuMark.of(c))));
                            cpu.add(mark[0].since(transport, "round trips of the built-in no-op", 1, settings.samples(), c));
                        }
                        if (settings.streamBytes() > 0 && c.streams()) {
                            progress.accept(transport + ": streaming " + settings.streamBytes() / (1024 * 1024) + " MiB of stdout");
                            stream.put(transport, streamMs(node1));
                        }
                    }
                    // Every node warms up before the fan-outs and the sustained run are measured: a size
                    // starts fresh agent JVMs, and a real agent is a long-running daemon whose JIT work is
                    // long done. Measured cold, the 64-node phases paid 8 farm JVMs' compilation (the
                    // nodes' CPU per `true` was 1.7 x that at 8 nodes). All contenders get the same rounds.
                    int warmRounds = warmUpFanouts(settings);
                    if (warmRounds > 0) {
                        progress.accept(transport + ": warming up all " + n + " nodes (" + warmRounds
                                + " fan-outs, not measured)");
                        for (int k = 0; k < warmRounds; k++) {
                            fanOutMs(c);
                        }
                    }
                    progress.accept(transport + ": fan-out of `true` to " + n + " nodes x " + settings.fanouts());
                    double[] fanout = new double[settings.fanouts()];
                    for (int k = 0; k < fanout.length; k++) {
                        fanout[k] = fanOutMs(c);
                    }
                    double[] sorted = fanout.clone();
                    Arrays.sort(sorted);
                    progress.accept(transport + ": sustained commands/s on " + n + " nodes");
                    CpuMark mark = CpuMark.of(c);
                    Sustained run = sustained(c);
                    double rate = run.perSecond();
                    cpu.add(mark.since(transport, "sustained `true`", n, run.commands(), c));
                    Long lostWhileMeasuring = c.nodesLostWhileMeasuring().isPresent()
                            ? c.nodesLostWhileMeasuring().getAsLong() : null;
                    Double detection = null;
                    if (first || i == settings.nodeCounts().size() - 1) {
                        progress.accept(transport + ": killing the nodes' side, waiting for the transport to notice");
                        detection = c.killAndDetect().toNanos() / 1e6;
                        notes.put("detection " + transport, c.detectionNote());
                    }
                    c.note().ifPresent(note -> notes.put(transport + " at " + n + " nodes", note));
                    Long perNode = c.coordinatorBytes().isPresent() ? c.coordinatorBytes().getAsLong() / n : null;
                    sizes.add(new SizeResult(transport, n, setup.toNanos() / 1e6, sorted[sorted.length / 2], fanout, rate,
                            detection, perNode, lostWhileMeasuring));
                }
            }
        }
        return new Report(Map.of(), settings, latencies, sizes, stream, notes, cpu);
    }

    /** Unmeasured fan-outs to every node at each size before its measured phases: warmup / 10. */
    static int warmUpFanouts(Settings settings) {
        return settings.warmup() / 10;
    }

    private Histogram spawnFloor(Runnable afterWarmup) throws Exception {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 0; i < settings.warmup() + settings.samples(); i++) {
            if (i == settings.warmup()) {
                afterWarmup.run();
            }
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder("true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            if (i >= settings.warmup()) {
                h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
            }
        }
        return h;
    }

    /** Round trips of one command on one node, in microseconds. */
    private Histogram roundTrips(NodeExecutor node, String program) throws Exception {
        return roundTrips(node, program, () -> { });
    }

    /** The same, running {@code afterWarmup} once the warm-up round trips are done (a CPU reading). */
    private Histogram roundTrips(NodeExecutor node, String program, Runnable afterWarmup) throws Exception {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 0; i < settings.warmup() + settings.samples(); i++) {
            if (i == settings.warmup()) {
                afterWarmup.run();
            }
            long t0 = System.nanoTime();
            CommandResult r = node.run(Command.of(program)).get(60, TimeUnit.SECONDS);
            long ns = System.nanoTime() - t0;
            if (!r.succeeded()) {
                throw new IllegalStateException(program + " on " + node.nodeId() + " failed: " + r.status() + " " + r.error());
            }
            if (i >= settings.warmup()) {
                h.recordValue(Math.max(1, ns / 1000));
            }
        }
        return h;
    }

    private double streamMs(NodeExecutor node) throws Exception {
        long[] seen = new long[1];
        long t0 = System.nanoTime();
        CommandResult r = node.run(Command.of("head", "-c", Long.toString(settings.streamBytes()), "/dev/zero"),
                (id, s, chunk) -> seen[0] += chunk.length).get(120, TimeUnit.SECONDS);
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!r.succeeded() || seen[0] != settings.streamBytes()) {
            throw new IllegalStateException("stream test: status " + r.status() + ", " + seen[0] + " of "
                    + settings.streamBytes() + " bytes seen");
        }
        return ms;
    }

    private static double fanOutMs(Contender c) throws Exception {
        Optional<Duration> own = c.fanOut(List.of("true"));
        if (own.isPresent()) {
            return own.get().toNanos() / 1e6;
        }
        long t0 = System.nanoTime();
        List<CompletableFuture<CommandResult>> all = new ArrayList<>();
        for (String id : c.nodeIds()) {
            all.add(c.executor(id).run(Command.of("true")));
        }
        for (CompletableFuture<CommandResult> f : all) {
            CommandResult r = f.get(120, TimeUnit.SECONDS);
            if (!r.succeeded()) {
                throw new IllegalStateException("fan-out: " + r.nodeId() + " " + r.status() + " " + r.error());
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private record Sustained(long commands, double perSecond) {
    }

    /** Keeps 4 commands in flight per node for at least 2 s (and at least 200 commands). */
    private static Sustained sustained(Contender c) throws Exception {
        int perNode = 4;
        long t0 = System.nanoTime();
        long done = 0;
        while (System.nanoTime() - t0 < 2_000_000_000L || done < 200) {
            List<CompletableFuture<CommandResult>> wave = new ArrayList<>();
            for (String id : c.nodeIds()) {
                for (int k = 0; k < perNode; k++) {
                    wave.add(c.executor(id).run(Command.of("true")));
                }
            }
            for (CompletableFuture<CommandResult> f : wave) {
                f.get(120, TimeUnit.SECONDS);
            }
            done += wave.size();
            if (done >= 20_000) {
                break;
            }
        }
        return new Sustained(done, done / ((System.nanoTime() - t0) / 1e9));
    }
}
