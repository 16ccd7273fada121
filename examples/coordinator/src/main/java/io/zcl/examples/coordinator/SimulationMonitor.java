package io.zcl.examples.coordinator;

import io.zcl.monitor.Monitor;
import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.run.ProgressListener;
import io.zcl.runner.sim.Simulation;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** {@code zcl simulate --monitor}: the simulation with its event stream and a dashboard in this process. */
final class SimulationMonitor {

    private SimulationMonitor() {
    }

    static Simulation.Outcome run(Simulation.Settings settings, ProgressListener progress, String eventsBind,
                                  String http, int holdSeconds, boolean curve, PrintWriter err) {
        if (holdSeconds < 0) {
            throw new IllegalArgumentException("--hold-seconds must be >= 0, got " + holdSeconds);
        }
        InetSocketAddress address = io.zcl.monitor.MonitorCommand.parseHostPort("--monitor-http", http);
        // The in-process monitor follows a plaintext stream: the whole simulation is on this machine,
        // so the stream stays on loopback, and other monitors join it with --insecure.
        if (!io.zcl.runner.zmq.TransportSecurity.isLoopback(eventsBind)) {
            throw new IllegalArgumentException("--events " + eventsBind + " is not a loopback endpoint: the simulation's "
                    + "event stream is plaintext and stays on 127.0.0.1, localhost, [::1] or ipc:// (for a CURVE "
                    + "stream use zcl run --events with --monitor-keys)");
        }
        try (EventPublisher events = new EventPublisher(eventsBind)) {
            String endpoint = events.start();
            try (Monitor monitor = new Monitor(endpoint, address, Path.of("docs/bench"), socket -> { }).start()) {
                err.println("dashboard: " + monitor.url() + "  (events: " + endpoint + ", metrics: " + monitor.url() + "metrics)");
                err.println("events: plaintext on loopback; another monitor follows them with ./zcl monitor --events "
                        + endpoint + " --insecure");
                err.flush();
                Simulation.Outcome outcome = Simulation.run(settings, progress, events, curve);
                if (holdSeconds > 0) {
                    err.println("run finished; the dashboard stays up for " + holdSeconds + " s");
                    err.flush();
                    try {
                        Thread.sleep(holdSeconds * 1000L);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return outcome;
            }
        }
    }
}
