package io.zcl.examples.coordinator;

import io.zcl.runner.perftools.Fault;
import io.zcl.runner.plan.Plan;
import io.zcl.runner.sim.Simulation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zcl simulate}: the main job on one machine. N simulated nodes (real agents on their own
 * tcp sockets, running the emulated perf tools as real processes) and a coordinator run the
 * default plan, journal every result and write a summary.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Run the default test plan on a simulated cluster in this process (no docker, no root).",
                "Writes runs/<timestamp>/journal.jsonl and summary.md; runs/latest points at the newest.",
                "Example: ./zcl simulate --nodes 8 --leaves 2 --fault node-3:slow-link"})
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "8", description = "simulated nodes (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--leaves", defaultValue = "2", description = "leaf switches they hang off (default ${DEFAULT-VALUE})")
    int leaves;

    @Option(names = "--fault", paramLabel = "NODE:KIND", description = "inject a fault (repeatable): KIND is "
            + "slow-link[:F], faulty-gpu[:I], dead-gpus, hang or exit:N, e.g. node-3:slow-link")
    List<String> faults = List.of();

    @Option(names = "--transport", defaultValue = "zmq", description = "zmq (agents over tcp), ssh (an SSH server per node), auto "
            + "(both per node: zmq while its agent is up, else ssh) or local (processes with no transport at all) "
            + "(default ${DEFAULT-VALUE})")
    String transport;

    @Option(names = "--plan", paramLabel = "FILE", description = "a plan file (YAML); default: gpu_burn on all "
            + "servers, ib_write_bw and nccl_all_reduce on leaf-to-leaf pairs, nccl_all_reduce on increasing sizes")
    Path planFile;

    @Option(names = "--runs-dir", defaultValue = "runs", description = "where run folders go (default ${DEFAULT-VALUE})")
    Path runsDir;

    @Option(names = "--time-scale", defaultValue = "0.002", description = "share of the tools' modelled run "
            + "time really waited: 1 = real time (default ${DEFAULT-VALUE})")
    double timeScale;

    @Option(names = "--command-timeout-s", defaultValue = "15", description = "each command is killed after this "
            + "many seconds; a 'hang' fault ends here (default ${DEFAULT-VALUE})")
    int commandTimeoutS;

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "ZeroMQ heartbeat interval (default ${DEFAULT-VALUE})")
    int heartbeatMs;

    @Option(names = "--quiet", description = "print only the summary")
    boolean quiet;

    @Option(names = "--monitor", description = "publish the run's events and serve the live dashboard (zcl monitor) "
            + "in this process; prints its URL")
    boolean monitor;

    @Option(names = "--monitor-http", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "with --monitor: where the dashboard listens (default ${DEFAULT-VALUE}: any free port)")
    String monitorHttp;

    @Option(names = "--events", paramLabel = "ENDPOINT", defaultValue = "tcp://127.0.0.1:*",
            description = "with --monitor: where the event stream binds, for more monitors (plaintext, so loopback only; "
                    + "they join with zcl monitor --insecure; default ${DEFAULT-VALUE})")
    String eventsBind;

    @Option(names = "--hold-seconds", defaultValue = "0",
            description = "with --monitor: keep serving the dashboard this long after the run (default ${DEFAULT-VALUE})")
    int holdSeconds;

    @Option(names = "--insecure", description = "with --transport zmq: plaintext instead of CURVE with key pairs "
            + "made for the run (everything stays on loopback either way)")
    boolean insecure;

    @Override
    public Integer call() {
        Usage.atLeast(spec, "--nodes", nodes, 1);
        Usage.range(spec, "--leaves", leaves, 1, nodes);
        Usage.commandTimeout(spec, commandTimeoutS);
        Usage.heartbeat(spec, heartbeatMs);
        Usage.atLeast(spec, "--time-scale", timeScale, 0);
        Usage.atLeast(spec, "--hold-seconds", holdSeconds, 0);
        Map<String, Fault> parsed = new LinkedHashMap<>();
        for (String f : faults) {
            int colon = f.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--fault must be NODE:KIND, e.g. node-3:slow-link, got '" + f + "'");
            }
            parsed.put(f.substring(0, colon), Fault.parse(f.substring(colon + 1)));
        }
        Plan plan = planFile == null ? Plan.defaults() : Plan.load(planFile);
        Simulation.Settings settings = new Simulation.Settings(nodes, leaves, parsed, transport, runsDir, timeScale,
                Duration.ofSeconds(commandTimeoutS), heartbeatMs, 3, plan);

        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!quiet) {
            err.printf("zcl simulate: %d nodes on %d leaves over %s%s, %d plan steps%s%n", nodes, leaves, transport,
                    transport.equals("zmq") ? (insecure ? " (plaintext, --insecure)" : " (CURVE)") : "",
                    plan.steps().size(), parsed.isEmpty() ? "" : ", faults " + parsed.keySet());
            err.flush();
        }
        ProgressBar bar = new ProgressBar(err, System.console() != null);
        Simulation.Outcome outcome;
        if (monitor) {
            outcome = SimulationMonitor.run(settings, quiet ? null : bar, eventsBind, monitorHttp, holdSeconds, !insecure, err);
        } else {
            outcome = Simulation.run(settings, quiet ? null : bar, !insecure);
        }
        bar.finish();
        out.println(outcome.summary());
        out.printf("Run folder: %s (journal.jsonl, summary.md); %s/latest points at it.%n", outcome.run().dir(), runsDir);
        out.printf("RESULT runs=%s transport=%s results=%d pass=%d fail=%d error=%d elapsed_s=%.1f%n",
                outcome.run().runId(), transport, outcome.result().results().size(),
                outcome.result().count(io.zcl.runner.api.TestResult.Verdict.PASS),
                outcome.result().count(io.zcl.runner.api.TestResult.Verdict.FAIL),
                outcome.result().count(io.zcl.runner.api.TestResult.Verdict.ERROR),
                outcome.result().elapsed().toMillis() / 1000.0);
        out.flush();
        return 0;
    }
}
