package io.zcl.monitor;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code zcl monitor}: follows a coordinator's event stream and shows it, as a web dashboard
 * (with /metrics for Prometheus) and/or as a text table on the terminal.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Follow a coordinator's event stream: live dashboard, Prometheus /metrics, or a text table.",
                "The coordinator publishes it with 'zcl run --events tcp://*:5560' or 'zcl simulate --monitor'.",
                "Example: ./zcl monitor --events tcp://127.0.0.1:5560 --http 127.0.0.1:8080"})
public final class MonitorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", required = true, paramLabel = "tcp://HOST:PORT",
            description = "the coordinator's event stream endpoint")
    String events;

    @Option(names = "--http", paramLabel = "HOST:PORT",
            description = "serve the dashboard and /metrics here (default 127.0.0.1:8080 unless --tui; port 0 = any free port)")
    String http;

    @Option(names = "--tui", description = "print the node and result table on the terminal every --interval-s")
    boolean tui;

    @Option(names = "--interval-s", defaultValue = "2", description = "seconds between two tables with --tui (default ${DEFAULT-VALUE})")
    double intervalS;

    @Option(names = "--bench-dir", paramLabel = "DIR", defaultValue = "docs/bench",
            description = "a bench output folder whose SVG charts the dashboard shows when present (default ${DEFAULT-VALUE})")
    Path benchDir;

    @Option(names = "--duration-s", defaultValue = "0",
            description = "stop after this many seconds (0: run until killed)")
    double durationS;

    @Option(names = "--once", description = "with --tui: print one table once the snapshot arrived (or after 10 s), then exit")
    boolean once;

    @Override
    public Integer call() throws Exception {
        if (!events.matches("(tcp|ipc|inproc)://.+")) {
            throw new IllegalArgumentException("--events must be an endpoint like tcp://HOST:PORT, got '" + events + "'");
        }
        if (intervalS <= 0 || durationS < 0) {
            throw new IllegalArgumentException("--interval-s must be positive and --duration-s >= 0");
        }
        String httpSpec = http != null ? http : tui ? null : "127.0.0.1:8080";
        InetSocketAddress address = httpSpec == null ? null : parseHostPort("--http", httpSpec);
        PrintWriter out = spec.commandLine().getOut();
        try (Monitor monitor = new Monitor(events, address, benchDir, socket -> { }).start()) {
            if (monitor.url() != null) {
                out.println("dashboard: " + monitor.url() + "  (metrics: " + monitor.url() + "metrics)");
                out.flush();
            }
            long deadline = durationS > 0 ? System.currentTimeMillis() + (long) (durationS * 1000) : Long.MAX_VALUE;
            if (once) {
                long until = System.currentTimeMillis() + 10_000;
                while (monitor.subscriber().snapshots() == 0 && System.currentTimeMillis() < until) {
                    Thread.sleep(50);
                }
                out.print(TextTable.render(monitor.stateJson(), 20));
                out.flush();
                return monitor.subscriber().snapshots() > 0 ? 0 : 1;
            }
            while (System.currentTimeMillis() < deadline) {
                if (tui) {
                    out.print(TextTable.render(monitor.stateJson(), 10));
                    out.println();
                    out.flush();
                }
                Thread.sleep(Math.min((long) (intervalS * 1000), Math.max(1, deadline - System.currentTimeMillis())));
            }
        }
        return 0;
    }

    /** Runs without the ./zcl launcher: {@code java -cp ... io.zcl.monitor.MonitorCommand --events ...}. */
    public static void main(String[] args) {
        picocli.CommandLine cl = new picocli.CommandLine(new MonitorCommand());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("zcl monitor: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return 1;
        });
        System.exit(cl.execute(args));
    }

    /** Parses HOST:PORT for an option; a bad value is one clear line naming {@code option}. */
    public static InetSocketAddress parseHostPort(String option, String spec) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + " must be HOST:PORT, e.g. 127.0.0.1:8080, got '" + spec + "'");
        }
        int port;
        try {
            port = Integer.parseInt(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " port must be a number, got '" + spec + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " port must be 0..65535, got " + port);
        }
        return new InetSocketAddress(spec.substring(0, colon), port);
    }
}
