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
 * Writes a {@link Bench.Report} as bench.json (raw), bench.md (tables and the targets as ratios)
 * and two SVG charts: the latency CDF per transport and fan-out makespan against cluster size.
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

        md.append("\n## By cluster size\n\n| transport | nodes | connect all ms | fan-out `true` median ms | commands/s | failure detected ms | coordinator bytes/node |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Bench.SizeResult s : r.sizes()) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.0f | %s | %s |%n", s.transport(), s.nodes(),
                    s.setupMs(), s.fanoutMedianMs(), s.commandsPerSecond(),
                    s.detectionMs() == null ? "-" : String.format(Locale.ROOT, "%.0f", s.detectionMs()),
                    s.coordinatorBytesPerNode() == null ? "-" : s.coordinatorBytesPerNode().toString()));
        }
        md.append("\n![makespan](makespan.svg)\n");
        if (!r.streamMs().isEmpty()) {
            md.append("\n## Streaming stdout\n\n| transport | MiB | ms | MiB/s |\n|---|---:|---:|---:|\n");
            double mib = r.settings().streamBytes() / (1024.0 * 1024);
            r.streamMs().forEach((t, ms) -> md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", t, mib, ms,
                    mib / (ms / 1000))));
        }
        md.append("\n## Targets\n\nA target can miss on a small machine where every simulated node shares the same cores "
                + "and spawns its commands there; docs/performance.md explains each miss of the recorded run.\n\n"
                + "| target | measured | holds |\n|---|---|---|\n");
        for (String[] row : targets(r)) {
            md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" | ").append(row[2]).append(" |\n");
        }
        if (!r.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            r.notes().forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        }
        return md.toString();
    }

    static List<String[]> targets(Bench.Report r) {
        List<String[]> rows = new ArrayList<>();
        Optional<Bench.Latency> zmq = latency(r, "zmq");
        Optional<Bench.Latency> ssh = latency(r, "ssh");
        Optional<Bench.Latency> spawn = latency(r, "spawn (floor)");
        Optional<Bench.Latency> noop = latency(r, "zmq no-spawn");
        if (zmq.isPresent() && spawn.isPresent()) {
            double ratio = zmq.get().p50Ms() / spawn.get().p50Ms();
            rows.add(row("ZeroMQ p50 <= 1.3 x bare spawn p50", String.format(Locale.ROOT, "%.3f / %.3f ms = %.2f x",
                    zmq.get().p50Ms(), spawn.get().p50Ms(), ratio), ratio <= 1.3));
        }
        if (zmq.isPresent() && ssh.isPresent()) {
            double ratio = ssh.get().p50Ms() / zmq.get().p50Ms();
            rows.add(row("ZeroMQ p50 >= 3 x faster than SSH (open connection)", String.format(Locale.ROOT,
                    "%.3f / %.3f ms = %.1f x", ssh.get().p50Ms(), zmq.get().p50Ms(), ratio), ratio >= 3));
        }
        Optional<Bench.SizeResult> z64 = size(r, "zmq", 64);
        Optional<Bench.SizeResult> s64 = size(r, "ssh", 64);
        if (z64.isPresent() && s64.isPresent()) {
            double open = s64.get().fanoutMedianMs() / z64.get().fanoutMedianMs();
            double withSetup = (s64.get().setupMs() + s64.get().fanoutMedianMs()) / z64.get().fanoutMedianMs();
            rows.add(row("fan-out to 64: ZeroMQ >= 2 x faster than SSH on open connections", String.format(Locale.ROOT,
                    "%.1f / %.1f ms = %.1f x", s64.get().fanoutMedianMs(), z64.get().fanoutMedianMs(), open), open >= 2));
            rows.add(row("fan-out to 64: ZeroMQ >= 20 x faster than SSH including connection set-up", String.format(Locale.ROOT,
                    "(%.1f + %.1f) / %.1f ms = %.1f x", s64.get().setupMs(), s64.get().fanoutMedianMs(),
                    z64.get().fanoutMedianMs(), withSetup), withSetup >= 20));
        }
        noop.ifPresent(n -> rows.add(row("ZeroMQ round trip without spawn p50 <= 100 us",
                String.format(Locale.ROOT, "%.0f us", n.p50Ms() * 1000), n.p50Ms() <= 0.1)));
        double bound = 3 * r.settings().heartbeatMs() + 500;
        r.sizes().stream().filter(s -> s.transport().equals("zmq") && s.detectionMs() != null).forEach(s ->
                rows.add(row("ZeroMQ failure detection <= liveness x interval + 0.5 s (" + s.nodes() + " nodes)",
                        String.format(Locale.ROOT, "%.0f ms (bound %.0f ms)", s.detectionMs(), bound), s.detectionMs() <= bound)));
        r.sizes().stream().filter(s -> s.transport().equals("zmq") && s.coordinatorBytesPerNode() != null)
                .reduce((a, b) -> b).ifPresent(s -> rows.add(new String[] {"coordinator memory per connected node (reported)",
                        String.format(Locale.ROOT, "%d bytes/node at %d nodes (heap after GC)", s.coordinatorBytesPerNode(),
                                s.nodes()), "reported"}));
        return rows;
    }

    private static String[] row(String target, String measured, boolean holds) {
        return new String[] {target, measured, holds ? "yes" : "**no**"};
    }

    private static Optional<Bench.Latency> latency(Bench.Report r, String name) {
        return r.latencies().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    private static Optional<Bench.SizeResult> size(Bench.Report r, String transport, int nodes) {
        return r.sizes().stream().filter(s -> s.transport().equals(transport) && s.nodes() == nodes).findFirst();
    }
}
