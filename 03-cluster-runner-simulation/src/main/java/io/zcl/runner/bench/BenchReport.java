package io.zcl.runner.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes a {@link Bench.Report} as bench.json (raw), bench.md (tables, the targets as ratios and,
 * for each missed target, the figures of the same run that bear on it) and two SVG charts: the
 * latency CDF per transport and fan-out makespan against cluster size.
 */
public final class BenchReport {

    private BenchReport() {
    }

    public static void write(Bench.Report r, Path dir, String command) throws IOException {
        ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(dir.resolve("bench.json"), json.writeValueAsString(r));
        Files.writeString(dir.resolve("bench.md"), markdown(r, command));
        Files.writeString(dir.resolve("latency-cdf.svg"), Svg.latencyCdf(r.latencies()));
        Files.writeString(dir.resolve("makespan.svg"), Svg.makespan(r.sizes()));
    }

    static String markdown(Bench.Report r, String command) {
        StringBuilder md = new StringBuilder("# SSH vs ZeroMQ benchmark\n\n");
        md.append("Command: `").append(command).append("`\n\n");
        md.append("Machine: ");
        r.machine().forEach((k, v) -> md.append(k).append(' ').append(v).append("; "));
        md.append("\n\nEvery figure below comes from this one run; compare them as ratios.\n");

        md.append("\n## Round trip of one command on an open connection\n\n")
                .append("| series | samples | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (Bench.Latency l : r.latencies()) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.3f |%n", l.name(), l.count(),
                    l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs()));
        }
        md.append("\n![latency CDF](latency-cdf.svg)\n");

        md.append("\n## By cluster size\n\n| transport | nodes | connect all ms | fan-out `true` median ms | commands/s | failure detected ms | coordinator bytes/node | nodes lost while measured |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Bench.SizeResult s : r.sizes()) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.0f | %s | %s | %s |%n", s.transport(), s.nodes(),
                    s.setupMs(), s.fanoutMedianMs(), s.commandsPerSecond(),
                    s.detectionMs() == null ? "-" : String.format(Locale.ROOT, "%.0f", s.detectionMs()),
                    s.coordinatorBytesPerNode() == null ? "-" : s.coordinatorBytesPerNode().toString(),
                    s.lostWhileMeasuring() == null ? "-" : s.lostWhileMeasuring().toString()));
        }
        md.append("\n![makespan](makespan.svg)\n");
        if (!r.streamMs().isEmpty()) {
            md.append("\n## Streaming stdout\n\n| transport | MiB | ms | MiB/s |\n|---|---:|---:|---:|\n");
            double mib = r.settings().streamBytes() / (1024.0 * 1024);
            r.streamMs().forEach((t, ms) -> md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", t, mib, ms,
                    mib / (ms / 1000))));
        }
        cpuSection(r).ifPresent(md::append);
        curveCost(r).ifPresent(md::append);
        md.append("\n## Targets\n\nEach target that misses is followed, under \"The misses, in this run's figures\", by the "
                + "measurements of this run that bear on it.\n\n| target | measured | holds |\n|---|---|---|\n");
        List<Target> targets = targets(r);
        for (Target t : targets) {
            md.append("| ").append(t.name()).append(" | ").append(t.measured()).append(" | ").append(t.verdict()).append(" |\n");
        }
        List<Target> missed = targets.stream().filter(t -> Boolean.FALSE.equals(t.holds())).toList();
        if (!missed.isEmpty()) {
            md.append("\n### The misses, in this run's figures\n\n").append(machineLoad(r)).append('\n');
            lostWhileMeasured(r).ifPresent(l -> md.append('\n').append(l).append('\n'));
            for (Target t : missed) {
                md.append("\n**").append(t.name()).append("** (").append(t.measured()).append(")\n\n");
                t.figures().forEach(f -> md.append("- ").append(f).append('\n'));
            }
        }
        if (!r.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            r.notes().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        }
        return md.toString();
    }

    /**
     * One target: what was measured, whether it holds (null: only reported), and, for a miss, the
     * figures of the same run that bear on it (computed from the report, never fixed text).
     */
    record Target(String name, String measured, Boolean holds, List<String> figures) {
        String verdict() {
            return holds == null ? "reported" : holds ? "yes" : "**no**";
        }
    }

    static List<Target> targets(Bench.Report r) {
        List<Target> rows = new ArrayList<>();
        Optional<Bench.Latency> zmq = latency(r, "zmq");
        Optional<Bench.Latency> ssh = latency(r, "ssh");
        Optional<Bench.Latency> spawn = latency(r, "spawn (floor)");
        Optional<Bench.Latency> noop = latency(r, "zmq no-spawn");
        if (zmq.isPresent() && spawn.isPresent()) {
            double z = zmq.get().p50Ms();
            double f = spawn.get().p50Ms();
            double ratio = z / f;
            List<String> why = new ArrayList<>();
            why.add(fmt("bare `ProcessBuilder` spawn of `true` in the bench JVM (the floor): p50 %.3f ms", f));
            why.add(fmt("ZeroMQ, `true` on node-1: p50 %.3f ms, %.3f ms above the floor; the target allows %.3f ms "
                    + "(0.3 x the floor)", z, z - f, 0.3 * f));
            noop.ifPresent(n -> why.add(z - f > n.p50Ms()
                    ? fmt("ZeroMQ, the built-in no-op (the same round trip without a spawn): p50 %.3f ms, %.0f %% of the "
                            + "%.3f ms above the floor; the other %.3f ms (medians subtracted) come with running `true` on "
                            + "the agent rather than in the bench JVM", n.p50Ms(), pct(n.p50Ms(), z - f), z - f, z - f - n.p50Ms())
                    : fmt("ZeroMQ, the built-in no-op (the same round trip without a spawn): p50 %.3f ms, at least the "
                            + "%.3f ms above the floor", n.p50Ms(), z - f)));
            rows.add(new Target("ZeroMQ p50 <= 1.3 x bare spawn p50", fmt("%.3f / %.3f ms = %.2f x", z, f, ratio),
                    ratio <= 1.3, why));
        }
        if (zmq.isPresent() && ssh.isPresent()) {
            double z = zmq.get().p50Ms();
            double s = ssh.get().p50Ms();
            double ratio = s / z;
            List<String> why = new ArrayList<>();
            why.add(fmt("SSH, `true` on node-1: p50 %.3f ms; ZeroMQ: p50 %.3f ms", s, z));
            spawn.ifPresent(sp -> {
                double f = sp.p50Ms();
                why.add(fmt("the bare spawn floor, p50 %.3f ms, is %.0f %% of ZeroMQ's p50 and %.0f %% of SSH's",
                        f, pct(f, z), pct(f, s)));
                if (z > f && s > f) {
                    why.add(fmt("above the floor: SSH %.3f ms, ZeroMQ %.3f ms (%.1f x)", s - f, z - f, (s - f) / (z - f)));
                }
                why.add(s / 3 > f
                        ? fmt("3 x at this SSH figure needs a ZeroMQ p50 of at most %.3f ms, %.3f ms above the floor",
                                s / 3, s / 3 - f)
                        : fmt("3 x at this SSH figure needs a ZeroMQ p50 of at most %.3f ms, below the floor itself",
                                s / 3));
            });
            rows.add(new Target("ZeroMQ p50 >= 3 x faster than SSH (open connection)", fmt("%.3f / %.3f ms = %.1f x", s, z,
                    ratio), ratio >= 3, why));
        }
        size(r, "zmq", 64).ifPresent(z64 -> {
            List<String> fanout = new ArrayList<>();
            double zf = z64.fanoutMedianMs();
            fanout.add(fmt("fan-out of `true` to 64 nodes, median of %d: ZeroMQ %.1f ms", r.settings().fanouts(), zf));
            for (String other : List.of("ssh", "asyncssh", "pdsh")) {
                size(r, other, 64).ifPresent(o -> fanout.add(fmt("%s: %.1f ms (%s)", other, o.fanoutMedianMs(),
                        other.equals("pdsh") ? "a new connection per command" : "open connections")));
            }
            size(r, "zmq", 1).ifPresent(z1 -> fanout.add(fmt("ZeroMQ fan-out to 1 node: %.1f ms", z1.fanoutMedianMs())));
            cpuLine(r, 64).ifPresent(fanout::add);
            Optional<Double> floor64 = spawn.flatMap(sp -> cpus(r).map(c -> 64 * sp.p50Ms() / c));
            floor64.ifPresent(f -> fanout.add(fmt("64 spawns at the floor's p50 (%.3f ms) shared by this machine's %d cores "
                    + "take at least %.1f ms; ZeroMQ's fan-out is %.1f x that", spawn.get().p50Ms(), cpus(r).get(), f, zf / f)));
            for (String other : List.of("ssh", "asyncssh")) {
                size(r, other, 64).ifPresent(o -> {
                    double ratio = o.fanoutMedianMs() / zf;
                    List<String> why = new ArrayList<>(fanout);
                    why.add(fmt("2.5 x needs a ZeroMQ fan-out of at most %.1f ms", o.fanoutMedianMs() / 2.5));
                    rows.add(new Target("fan-out to 64: ZeroMQ >= 2.5 x faster than " + label(other) + " on open connections",
                            fmt("%.1f / %.1f ms = %.2f x", o.fanoutMedianMs(), zf, ratio), ratio >= 2.5, why));
                });
            }
            floor64.ifPresent(f -> rows.add(new Target("fan-out to 64: ZeroMQ <= 2 x the floor (64 x spawn p50 / cores)",
                    fmt("%.1f / %.1f ms = %.2f x", zf, f, zf / f), zf <= 2 * f, fanout)));
            size(r, "ssh", 64).ifPresent(s64 -> {
                double ratio = z64.commandsPerSecond() / s64.commandsPerSecond();
                List<String> why = new ArrayList<>();
                why.add(fmt("commands/s with 64 nodes busy: ZeroMQ %.0f, SSH %.0f", z64.commandsPerSecond(),
                        s64.commandsPerSecond()));
                cpuLine(r, 64).ifPresent(why::add);
                rows.add(new Target("commands/s at 64 nodes: ZeroMQ >= 3 x SSH", fmt("%.0f / %.0f = %.2f x",
                        z64.commandsPerSecond(), s64.commandsPerSecond(), ratio), ratio >= 3, why));
            });
        });
        size(r, "zmq", 8).ifPresent(z8 -> size(r, "ssh", 8).ifPresent(s8 -> {
            double ratio = s8.fanoutMedianMs() / z8.fanoutMedianMs();
            List<String> why = new ArrayList<>();
            why.add(fmt("fan-out of `true` to 8 nodes, median of %d: ZeroMQ %.1f ms, SSH %.1f ms on open connections",
                    r.settings().fanouts(), z8.fanoutMedianMs(), s8.fanoutMedianMs()));
            size(r, "asyncssh", 8).ifPresent(a8 -> why.add(fmt("asyncssh: %.1f ms", a8.fanoutMedianMs())));
            cpuLine(r, 8).ifPresent(why::add);
            rows.add(new Target("fan-out to 8: ZeroMQ >= 2 x faster than SSH on open connections",
                    fmt("%.1f / %.1f ms = %.2f x", s8.fanoutMedianMs(), z8.fanoutMedianMs(), ratio), ratio >= 2, why));
        }));
        Optional<Bench.CpuPerCommand> floorCpu = cpu(r, "spawn (floor)", 1);
        Optional<Bench.CpuPerCommand> zmqTrueCpu = r.cpu().stream()
                .filter(c -> c.transport().equals("zmq") && c.phase().equals("round trips of `true`")).findFirst();
        if (floorCpu.isPresent() && floorCpu.get().coordinatorMs() != null && zmqTrueCpu.isPresent()
                && zmqTrueCpu.get().nodeMs() != null) {
            double f = floorCpu.get().coordinatorMs();
            double a = zmqTrueCpu.get().nodeMs();
            List<String> why = new ArrayList<>();
            why.add(fmt("CPU of a bare spawn of `true` (the bench JVM with its reaped child): %.3f ms per command", f));
            why.add(fmt("CPU of the agent farm JVM per `true` run through an agent (the JVM with its reaped children): "
                    + "%.3f ms, %.3f ms above the spawn", a, a - f));
            rows.add(new Target("agent CPU per `true` <= 1.5 x the CPU of the bare spawn", fmt("%.3f / %.3f ms = %.2f x", a, f,
                    a / f), a <= 1.5 * f, why));
        }
        noop.ifPresent(n -> {
            List<String> why = new ArrayList<>();
            why.add(fmt("ZeroMQ no-op round trip (no spawn): p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us",
                    n.p50Ms() * 1000, n.p90Ms() * 1000, n.p99Ms() * 1000, n.maxMs() * 1000));
            rows.add(new Target("ZeroMQ round trip without spawn: p50 <= 150 us, p99 <= 1 ms",
                    fmt("p50 %.0f us, p99 %.0f us", n.p50Ms() * 1000, n.p99Ms() * 1000),
                    n.p50Ms() <= 0.15 && n.p99Ms() <= 1.0, why));
        });
        streamTargets(r, rows);
        double bound = 3 * r.settings().heartbeatMs() + 500;
        r.sizes().stream().filter(s -> s.transport().equals("zmq") && s.detectionMs() != null).forEach(s -> {
            List<String> why = new ArrayList<>();
            why.add(fmt("killed the agents of %d nodes; the coordinator reported the loss after %.0f ms", s.nodes(),
                    s.detectionMs()));
            why.add(fmt("heartbeat %d ms x liveness 3 = %d ms of silence, plus 500 ms of slack", r.settings().heartbeatMs(),
                    3 * r.settings().heartbeatMs()));
            rows.add(new Target("ZeroMQ failure detection <= liveness x interval + 0.5 s (" + s.nodes() + " nodes)",
                    fmt("%.0f ms (bound %.0f ms)", s.detectionMs(), bound), s.detectionMs() <= bound, why));
        });
        r.sizes().stream().filter(s -> s.transport().equals("zmq") && s.coordinatorBytesPerNode() != null)
                .reduce((a, b) -> b).ifPresent(s -> rows.add(new Target("coordinator memory per connected node (reported)",
                        fmt("%d bytes/node at %d nodes (heap after GC)", s.coordinatorBytesPerNode(), s.nodes()), null,
                        List.of())));
        return rows;
    }

    private static String label(String transport) {
        return switch (transport) {
            case "ssh" -> "SSH";
            default -> transport;
        };
    }

    /** CPU per command of the sustained phase at this size, ZeroMQ beside the SSH clients, when measured. */
    private static Optional<String> cpuLine(Bench.Report r, int nodes) {
        List<String> parts = new ArrayList<>();
        for (String t : List.of("zmq", "ssh", "asyncssh", "pdsh")) {
            r.cpu().stream().filter(c -> c.transport().equals(t) && c.nodes() == nodes && c.phase().equals("sustained `true`"))
                    .findFirst().ifPresent(c -> parts.add(fmt("%s %s / %s", t,
                            c.coordinatorMs() == null ? "-" : fmt("%.2f", c.coordinatorMs()),
                            c.nodeMs() == null ? "-" : fmt("%.2f", c.nodeMs()))));
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of("CPU per `true` while sustaining commands on all nodes, coordinator side / "
                + "nodes' side, ms: " + String.join(", ", parts));
    }

    /** Streaming: ZeroMQ >= 2 x SSH's MiB/s; CURVE >= 0.5 x plaintext (each when both ran). */
    private static void streamTargets(Bench.Report r, List<Target> rows) {
        double mib = r.settings().streamBytes() / (1024.0 * 1024);
        Double z = r.streamMs().get("zmq");
        if (z == null || mib <= 0) {
            return;
        }
        streamRatio(rows, mib, "ZeroMQ >= 2 x SSH's MiB/s", "ZeroMQ", z, "SSH", r.streamMs().get("ssh"), 2);
        Double c = r.streamMs().get("zmq-curve");
        if (c != null) {
            // CURVE over plaintext: the faster side is the denominator here.
            streamRatio(rows, mib, "CURVE >= 0.5 x plaintext", "CURVE", c, "plaintext", z, 0.5);
        }
    }

    /** One streaming target: {@code a}'s MiB/s at least {@code factor} x {@code b}'s, when b ran. */
    private static void streamRatio(List<Target> rows, double mib, String name, String aName, double aMs, String bName,
                                    Double bMs, double factor) {
        if (bMs == null) {
            return;
        }
        double aRate = mib / (aMs / 1000);
        double bRate = mib / (bMs / 1000);
        rows.add(new Target(fmt("streaming %.0f MiB: %s", mib, name),
                fmt("%.0f / %.0f MiB/s = %.2f x", aRate, bRate, aRate / bRate), aRate >= factor * bRate,
                List.of(fmt("%.0f MiB of stdout streamed live: %s %.0f ms, %s %.0f ms", mib, aName, aMs, bName, bMs))));
    }

    private static Optional<Bench.CpuPerCommand> cpu(Bench.Report r, String transport, int nodes) {
        return r.cpu().stream().filter(c -> c.transport().equals(transport) && c.nodes() == nodes).findFirst();
    }

    /** CPU per command by phase and side, when the run measured it. */
    static Optional<String> cpuSection(Bench.Report r) {
        if (r.cpu().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder md = new StringBuilder("\n## CPU per command\n\n")
                .append("CPU time (user + system, from /proc, 10 ms ticks) over each phase, divided by its commands. ")
                .append("Coordinator side: the bench JVM's own CPU (the ZeroMQ coordinator, or the MINA SSH client). ")
                .append("Nodes' side: the agent farm JVM with the processes it spawned and reaped, or every sshd with its ")
                .append("sessions and their commands. The floor row is a bare spawn: the bench JVM with its reaped child. ")
                .append("CPU time does not grow when a process waits for a core, so these figures hold on a loaded machine ")
                .append("where wall times do not.\n\n")
                .append("| transport | phase | nodes | commands | coordinator side ms/cmd | nodes' side ms/cmd |\n")
                .append("|---|---|---:|---:|---:|---:|\n");
        for (Bench.CpuPerCommand c : r.cpu()) {
            md.append(fmt("| %s | %s | %d | %d | %s | %s |%n", c.transport(), c.phase(), c.nodes(), c.commands(),
                    c.coordinatorMs() == null ? "-" : fmt("%.3f", c.coordinatorMs()),
                    c.nodeMs() == null ? "-" : fmt("%.3f", c.nodeMs())));
        }
        return Optional.of(md.toString());
    }

    /** Heading of the section comparing zmq-curve with zmq, when both ran. */
    static final String CURVE_COST = "## CURVE cost";

    /**
     * When both zmq and zmq-curve ran: each series side by side with CURVE / plaintext, all from
     * this run (null-safe: a series missing from one side is left out).
     */
    static Optional<String> curveCost(Bench.Report r) {
        if (!r.settings().transports().contains("zmq") || !r.settings().transports().contains("zmq-curve")) {
            return Optional.empty();
        }
        StringBuilder md = new StringBuilder("\n").append(CURVE_COST).append(" (zmq-curve against zmq, this run)\n\n")
                .append("The same coordinator and agents, plaintext and with CURVE (every frame encrypted and "
                        + "authenticated, one key pair per node). Ratio: CURVE / plaintext, so above 1 means CURVE "
                        + "takes longer (latency, heap) or gets more done (MiB/s, commands/s).\n\n")
                .append("| measure | zmq | zmq-curve | CURVE / plaintext |\n|---|---:|---:|---:|\n");
        for (String[] series : new String[][] {{"zmq no-spawn", "zmq-curve no-spawn", "built-in no-op (no spawn)"},
                {"zmq", "zmq-curve", "`true`"}}) {
            Optional<Bench.Latency> plain = latency(r, series[0]);
            Optional<Bench.Latency> cur = latency(r, series[1]);
            if (plain.isPresent() && cur.isPresent()) {
                md.append(row("round trip of " + series[2] + ", p50 ms", plain.get().p50Ms(), cur.get().p50Ms(), "%.3f"));
                md.append(row("round trip of " + series[2] + ", p99 ms", plain.get().p99Ms(), cur.get().p99Ms(), "%.3f"));
            }
        }
        Double plainStream = r.streamMs().get("zmq");
        Double curveStream = r.streamMs().get("zmq-curve");
        if (plainStream != null && curveStream != null) {
            double mib = r.settings().streamBytes() / (1024.0 * 1024);
            md.append(row(fmt("streaming %.0f MiB of stdout, MiB/s", mib), mib / (plainStream / 1000),
                    mib / (curveStream / 1000), "%.0f"));
        }
        for (int n : r.settings().nodeCounts()) {
            Optional<Bench.SizeResult> plain = size(r, "zmq", n);
            Optional<Bench.SizeResult> cur = size(r, "zmq-curve", n);
            if (plain.isEmpty() || cur.isEmpty()) {
                continue;
            }
            String at = n == 1 ? " (1 node)" : " (" + n + " nodes)";
            md.append(row("commands/s" + at, plain.get().commandsPerSecond(), cur.get().commandsPerSecond(), "%.0f"));
            md.append(row("fan-out of `true`, median ms" + at, plain.get().fanoutMedianMs(), cur.get().fanoutMedianMs(),
                    "%.1f"));
            md.append(row("connect all, ms" + at, plain.get().setupMs(), cur.get().setupMs(), "%.1f"));
            if (plain.get().coordinatorBytesPerNode() != null && cur.get().coordinatorBytesPerNode() != null) {
                md.append(row("coordinator heap per node, bytes" + at, plain.get().coordinatorBytesPerNode(),
                        cur.get().coordinatorBytesPerNode(), "%.0f"));
            }
            if (plain.get().detectionMs() != null && cur.get().detectionMs() != null) {
                md.append(row("failure detected, ms" + at, plain.get().detectionMs(), cur.get().detectionMs(), "%.0f"));
            }
        }
        md.append('\n').append(machineLoad(r)).append('\n');
        return Optional.of(md.toString());
    }

    private static String row(String measure, double plain, double curve, String format) {
        return "| " + measure + " | " + fmt(format, plain) + " | " + fmt(format, curve) + " | "
                + (plain > 0 ? fmt("%.2f", curve / plain) : "-") + " |\n";
    }

    /** The machine's load when the run started (and ended, if recorded) against its cores. */
    static String machineLoad(Bench.Report r) {
        Optional<Integer> cpus = cpus(r);
        Optional<Double> start = number(r.machine().get("load_average_at_start"));
        Optional<Double> end = number(r.machine().get("load_average_at_end"));
        Optional<Double> mean = number(r.machine().get("load_average_mean_during"));
        Optional<Double> max = number(r.machine().get("load_average_max_during"));
        StringBuilder s = new StringBuilder("Machine: ").append(cpus.map(c -> c + " cores").orElse("cores unknown"));
        if (start.isEmpty()) {
            s.append("; load average not recorded");
        } else {
            s.append(fmt("; 1-minute load average %.2f when the run started", start.get()))
                    .append(cpus.map(c -> fmt(" (%.1f per core)", start.get() / c)).orElse(""));
            if (mean.isPresent() && max.isPresent()) {
                s.append(fmt("; during the run (sampled each second) mean %.2f, max %.2f", mean.get(), max.get()));
            }
            end.ifPresent(l -> s.append(fmt(", %.2f when it ended", l)));
            if (mean.isPresent() || end.isPresent()) {
                s.append(" (the bench's own processes count too)");
            }
        }
        return s.append('.').toString();
    }

    /** How often each size's ZeroMQ agents were declared lost before the deliberate kill, if known. */
    static Optional<String> lostWhileMeasured(Bench.Report r) {
        List<String> parts = r.sizes().stream().filter(s -> s.transport().equals("zmq") && s.lostWhileMeasuring() != null)
                .map(s -> s.nodes() + (s.nodes() == 1 ? " node: " : " nodes: ") + s.lostWhileMeasuring()).toList();
        return parts.isEmpty() ? Optional.empty() : Optional.of("ZeroMQ agents declared lost while being measured (no "
                + "message for liveness x interval), before the deliberate kill, by cluster size: " + String.join(", ", parts)
                + ". A lost agent says HELLO again; its commands wait for it.");
    }

    private static Optional<Integer> cpus(Bench.Report r) {
        return number(r.machine().get("cpus")).map(Double::intValue).filter(c -> c > 0);
    }

    private static Optional<Double> number(String s) {
        try {
            return s == null ? Optional.empty() : Optional.of(Double.parseDouble(s)).filter(d -> d >= 0);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static double pct(double part, double whole) {
        return whole <= 0 ? 0 : 100 * part / whole;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static Optional<Bench.Latency> latency(Bench.Report r, String name) {
        return r.latencies().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    private static Optional<Bench.SizeResult> size(Bench.Report r, String transport, int nodes) {
        return r.sizes().stream().filter(s -> s.transport().equals(transport) && s.nodes() == nodes).findFirst();
    }
}
