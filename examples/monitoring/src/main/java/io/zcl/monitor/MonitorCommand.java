package io.zcl.monitor;

import io.zcl.runner.events.EventSubscriber;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.TransportSecurity;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.zeromq.ZMQ;
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
                "The stream is CURVE unless the run is --insecure: pass this monitor's keys, or --insecure on loopback.",
                "Example: ./zcl monitor --events tcp://127.0.0.1:5560 --http 127.0.0.1:8080 "
                        + "--curve-secret keys/monitor.key_secret --coordinator-key keys/coordinator.key"})
public final class MonitorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", required = true, paramLabel = "tcp://HOST:PORT",
            description = "the coordinator's event stream endpoint")
    String events;

    @Option(names = "--http", paramLabel = "HOST:PORT",
            description = "serve the dashboard and /metrics here (default 127.0.0.1:8080 unless --tui; port 0 = any free port)")
    String http;

    @Option(names = "--http-token", paramLabel = "TOKEN", description = "every HTTP request must carry this token "
            + "('Authorization: Bearer TOKEN', or ?token=TOKEN in the browser); required when --http is not loopback. "
            + "At least 16 of [A-Za-z0-9._~-], e.g. $(openssl rand -hex 16)")
    String httpToken;

    @Option(names = "--http-token-file", paramLabel = "FILE", description = "like --http-token, read from FILE "
            + "(kept out of the process list)")
    Path httpTokenFile;

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

    @Option(names = "--curve-secret", paramLabel = "FILE", description = "this monitor's secret key (NAME.key_secret "
            + "from ./zcl keygen); the run allows its NAME.key with --monitor-keys DIR")
    Path curveSecret;

    @Option(names = "--coordinator-key", paramLabel = "FILE", description = "with --curve-secret: the coordinator's "
            + "public key (coordinator.key), pinned: a publisher without the matching secret is not followed")
    Path coordinatorKey;

    @Option(names = "--insecure", description = "plaintext event stream, loopback endpoints only (a run started with "
            + "--insecure, or zcl simulate --monitor); prints a warning")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        if (!events.matches("(tcp|ipc|inproc)://.+")) {
            throw new IllegalArgumentException("--events must be an endpoint like tcp://HOST:PORT, got '" + events + "'");
        }
        // Out of range: a usage error (one line, exit 2), before anything connects or listens.
        if (!(intervalS > 0) || Double.isInfinite(intervalS)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--interval-s must be a number of seconds above 0, got " + intervalS);
        }
        if (!(durationS >= 0) || Double.isInfinite(durationS)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--duration-s must be a number of seconds of at least 0 (0: run until killed), got " + durationS);
        }
        String httpSpec = http != null ? http : tui ? null : "127.0.0.1:8080";
        InetSocketAddress address = httpSpec == null ? null : parseHostPort("--http", httpSpec);
        String token = token();
        if (token != null && address == null) {
            throw new IllegalArgumentException("--http-token needs the dashboard: give --http HOST:PORT with --tui");
        }
        PrintWriter out = spec.commandLine().getOut();
        Consumer<ZMQ.Socket> socketSetup = socketSetup(spec.commandLine().getErr());
        try (Monitor monitor = new Monitor(events, address, benchDir, socketSetup, token).start()) {
            if (monitor.url() != null) {
                out.println("dashboard: " + monitor.url() + "  (metrics: " + monitor.url() + "metrics)"
                        + (token != null ? "; every request needs the token: header 'Authorization: Bearer TOKEN', "
                                + "or open " + monitor.url() + "?token=TOKEN" : ""));
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
                if (monitor.subscriber().snapshots() == 0) {
                    // Best effort: a probe reads the handshake's socket events, which JeroMQ does not
                    // deliver on every attempt, so look up to three times.
                    String why = null;
                    for (int i = 0; i < 3 && why == null; i++) {
                        why = EventSubscriber.diagnose(events, socketSetup, 5000);
                    }
                    PrintWriter err = spec.commandLine().getErr();
                    err.println("zcl monitor: no snapshot from " + events + " within 10 s"
                            + (why != null ? ": " + why : ""));
                    err.flush();
                    return 1;
                }
                return 0;
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

    /** The token from --http-token or --http-token-file (first line, trimmed), or null. */
    String token() throws java.io.IOException {
        if (httpToken != null && httpTokenFile != null) {
            throw new IllegalArgumentException("--http-token and --http-token-file: pick one");
        }
        if (httpTokenFile != null) {
            String text = java.nio.file.Files.readString(httpTokenFile).strip();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("--http-token-file " + httpTokenFile + " is empty");
            }
            return text;
        }
        return httpToken;
    }

    /** CURVE client keys from --curve-secret/--coordinator-key, or plaintext with --insecure on loopback. */
    Consumer<ZMQ.Socket> socketSetup(PrintWriter err) throws java.io.IOException {
        if ((curveSecret == null) != (coordinatorKey == null)) {
            throw new IllegalArgumentException("--curve-secret and --coordinator-key go together");
        }
        String warning = TransportSecurity.check(events, curveSecret != null, insecure,
                "--curve-secret FILE --coordinator-key FILE");
        if (warning != null) {
            err.println("zcl monitor: " + warning.replace("ZCR1 on", "the event stream on"));
            err.flush();
            return socket -> { };
        }
        Curve.Client client = new Curve.Client(CurveKeys.loadSecret(curveSecret), CurveKeys.loadPublic(coordinatorKey));
        return client::secure;
    }

    /** Runs without the ./zcl launcher: {@code java -cp ... io.zcl.monitor.MonitorCommand --events ...}. */
    public static void main(String[] args) {
        picocli.CommandLine cl = new picocli.CommandLine(new MonitorCommand());
        cl.setParameterExceptionHandler((ex, ignored) -> {
            // A usage error: one line saying which option, as ./zcl monitor says it.
            ex.getCommandLine().getErr().println("zcl monitor: " + ex.getMessage() + " (see --help)");
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
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
