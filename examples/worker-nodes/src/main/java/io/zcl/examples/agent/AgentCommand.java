package io.zcl.examples.agent;

import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.SystemProfiles;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.local.LocalOperationalContext;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.EmulationEnv;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.sim.InProcessAgents;
import io.zcl.runner.zmq.CommandPolicy;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.CurveKeys;
import io.zcl.runner.zmq.NodeAgent;
import io.zcl.runner.zmq.TransportSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code zcl agent}: the node agent a node runs. It dials the coordinator, says HELLO with what
 * this node has, and runs what it is sent until stopped (SIGTERM / Ctrl-C).
 */
@Command(name = "agent", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Run the node agent: connect to a coordinator and run the commands it sends.",
                "Example: ./zcl agent --coordinator tcp://10.0.0.1:5555 --node-id node-3 "
                        + "--curve-secret keys/node-3.key_secret --coordinator-key keys/coordinator.key"})
public final class AgentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--coordinator", required = true, paramLabel = "ENDPOINT",
            description = "coordinator endpoint, e.g. tcp://10.0.0.1:5555")
    String coordinator;

    @Option(names = "--node-id", required = true, paramLabel = "ID", description = "this node's id in the cluster file")
    String nodeId;

    @Option(names = "--emulate", description = "run the emulated perf tools (all_reduce_perf, ib_write_bw, gpu_burn) "
            + "with an H100-like profile instead of real ones: for simulated clusters")
    boolean emulate;

    @Option(names = "--fault", paramLabel = "KIND", description = "with --emulate: inject a fault "
            + "(slow-link[:F], faulty-gpu[:I], dead-gpus, hang, exit:N)")
    String fault;

    @Option(names = "--time-scale", defaultValue = "0.01", description = "with --emulate: share of the tools' "
            + "modelled run time really waited (default ${DEFAULT-VALUE})")
    double timeScale;

    @Option(names = "--heartbeat-ms", defaultValue = "1000", description = "heartbeat until the coordinator's "
            + "WELCOME sets it (default ${DEFAULT-VALUE})")
    int heartbeatMs;

    @Option(names = "--liveness", defaultValue = "3", description = "missed heartbeats before reconnecting (default ${DEFAULT-VALUE})")
    int liveness;

    @Option(names = "--max-concurrent", defaultValue = "8", description = "commands run at once (default ${DEFAULT-VALUE})")
    int maxConcurrent;

    @Option(names = "--allow", paramLabel = "PROGRAM", description = "also run this program (repeatable; a bare "
            + "name is looked up on this agent's PATH, a path must match exactly); by default only the perf tools run: "
            + "the nccl-tests binaries, perftest's ib_*_bw/ib_*_lat, gpu_burn, dcgmi, nvidia-smi")
    List<String> allow;

    @Option(names = "--allow-any-program", description = "run any program the coordinator names (prints a WARNING; "
            + "the environment and --allow-cwd rules still hold)")
    boolean allowAnyProgram;

    @Option(names = "--allow-cwd", paramLabel = "DIR", description = "a RUN's working directory may also lie under "
            + "DIR (repeatable); default: this agent's working directory and /tmp")
    List<Path> allowCwd;

    @Option(names = "--connect-timeout", defaultValue = "60s", paramLabel = "DURATION",
            description = "give up when the coordinator has not answered the first HELLO within this "
                    + "(e.g. 30s, 2m; 0 = keep trying forever; later disconnects always retry) (default ${DEFAULT-VALUE})")
    String connectTimeout;

    @Option(names = "--curve-secret", paramLabel = "FILE", description = "this agent's secret key "
            + "(NAME.key_secret from ./zcl keygen); the coordinator's --allow-keys folder holds the matching NAME.key")
    Path curveSecret;

    @Option(names = "--coordinator-key", paramLabel = "FILE", description = "the coordinator's public key "
            + "(its NAME.key): an endpoint without the matching secret is refused")
    Path coordinatorKey;

    @Option(names = "--insecure", description = "plaintext ZCR1, loopback coordinators only (a demo on one "
            + "machine); prints a warning")
    boolean insecure;

    @Override
    public Integer call() throws Exception {
        // Number and duration options out of range are usage errors (one line, exit 2), before anything starts.
        Duration giveUp;
        try {
            giveUp = Durations.parse(connectTimeout, "--connect-timeout");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        // The heartbeat and liveness a WELCOME may set too (docs/wire-protocol.md).
        range("--heartbeat-ms", heartbeatMs, 10, 3_600_000);
        range("--liveness", liveness, 1, 1000);
        range("--max-concurrent", maxConcurrent, 1, Integer.MAX_VALUE);
        if (!(timeScale >= 0) || Double.isInfinite(timeScale)) {
            throw new ParameterException(spec.commandLine(), "--time-scale must be a number of at least 0, got " + timeScale);
        }
        if (!coordinator.matches("(tcp|ipc|inproc)://.+")) {
            throw new IllegalArgumentException("--coordinator must look like tcp://HOST:PORT, got '" + coordinator + "'");
        }
        if (coordinator.startsWith("tcp://") && !hasPort(coordinator)) {
            // JeroMQ would throw from the agent's thread and stop it with a stack trace
            throw new IllegalArgumentException("--coordinator needs a port 1..65535: tcp://HOST:PORT, got '"
                    + coordinator + "'");
        }
        if (fault != null && !emulate) {
            throw new IllegalArgumentException("--fault needs --emulate");
        }
        Curve.Client curve = curveSettings();
        Fault parsedFault = Fault.parse(fault);
        SystemConfiguration system = emulate ? SystemProfiles.h100(nodeId) : SystemProbe.probe();

        Map<String, String> env = new HashMap<>();
        env.put(LocalOperationalContext.NODE_ID_ENV, nodeId);
        Path tools = null;
        if (emulate) {
            tools = EmulatedTools.install(Files.createTempDirectory("zcl-agent-tools-"));
            env.putAll(EmulationEnv.forNode(system, parsedFault, timeScale, 0));
        }
        CommandPolicy policy = policy();
        var out = spec.commandLine().getOut();
        try (LocalNodeExecutor executor = new LocalNodeExecutor(nodeId, env, tools, LocalNodeExecutor.Settings.defaults()
                .withCaptureLimitBytes(InProcessAgents.CAPTURE_LIMIT_BYTES).withMaxConcurrentCommands(maxConcurrent));
             NodeAgent agent = new NodeAgent(NodeAgent.Settings.defaults(coordinator, nodeId, system)
                     .withHeartbeat(heartbeatMs, liveness)
                     .withPolicy(policy), executor)
                     .withCurve(curve)) {
            Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
            agent.start();
            out.printf("zcl agent %s: connecting to %s (%s, %d GPUs%s)%n", nodeId, coordinator,
                    curve == null ? "plaintext" : "CURVE", system.gpus().size(),
                    emulate ? ", emulated tools" + (parsedFault == Fault.NONE ? "" : ", fault " + parsedFault.envValue()) : "");
            out.flush();
            long deadline = giveUp.isZero() ? Long.MAX_VALUE : System.nanoTime() + giveUp.toNanos();
            while (agent.state() == NodeAgent.State.CONNECTING && System.nanoTime() < deadline) {
                agent.awaitStopped(Duration.ofMillis(100));
            }
            if (agent.state() == NodeAgent.State.REJECTED) {
                spec.commandLine().getErr().printf("zcl agent: coordinator %s refused %s: %s%n", coordinator, nodeId,
                        agent.rejection());
                return 4;
            }
            if (agent.state() == NodeAgent.State.CONNECTING && agent.handshakeFailure() != null) {
                spec.commandLine().getErr().printf("zcl agent: no session with coordinator %s within %s: %s%n",
                        coordinator, connectTimeout, agent.handshakeFailure());
                return 3;
            }
            if (agent.state() == NodeAgent.State.CONNECTING && agent.connectProblem() != null) {
                spec.commandLine().getErr().printf("zcl agent: no session with coordinator %s within %s: %s "
                        + "(--connect-timeout 0 keeps trying)%n", coordinator, connectTimeout, agent.connectProblem());
                return 3;
            }
            if (agent.state() == NodeAgent.State.CONNECTING) {
                spec.commandLine().getErr().printf("zcl agent: coordinator %s did not answer within %s "
                        + "(is it running, and is the port reachable from here?)%n", coordinator, connectTimeout);
                return 3;
            }
            if (agent.state() != NodeAgent.State.READY) {
                spec.commandLine().getErr().printf("zcl agent: the agent stopped before it was welcomed (see the log above)%n");
                return 1;
            }
            out.printf("zcl agent %s: connected; running commands until stopped%n", nodeId);
            out.flush();
            while (!agent.awaitStopped(Duration.ofSeconds(1))) {
                // serve until the shutdown hook closes the agent
            }
        }
        return 0;
    }

    /** The perf tools plus --allow, or any program with --allow-any-program; cwd roots plus --allow-cwd. */
    CommandPolicy policy() {
        CommandPolicy policy = allowAnyProgram ? CommandPolicy.anyProgram() : CommandPolicy.perfTools();
        if (allow != null) {
            policy = policy.allowing(allow);
        }
        if (allowCwd != null) {
            for (Path root : allowCwd) {
                if (!Files.isDirectory(root)) {
                    throw new IllegalArgumentException("--allow-cwd " + root + " is not a directory");
                }
                policy = policy.allowingCwd(root);
            }
        }
        if (allowAnyProgram) {
            spec.commandLine().getErr().println("zcl agent: WARNING: --allow-any-program: this agent runs ANY program "
                    + "the coordinator names, as user " + System.getProperty("user.name") + ". Whoever holds the "
                    + "coordinator's key can run anything here; on a real node list the programs with --allow instead.");
            spec.commandLine().getErr().flush();
        }
        return policy;
    }

    private static boolean hasPort(String endpoint) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("tcp://.+:(\\d{1,5})").matcher(endpoint);
        return m.matches() && Integer.parseInt(m.group(1)) >= 1 && Integer.parseInt(m.group(1)) <= 65535;
    }

    /** CURVE settings from --curve-secret and --coordinator-key, or null for --insecure on loopback. */
    Curve.Client curveSettings() throws java.io.IOException {
        if ((curveSecret == null) != (coordinatorKey == null)) {
            throw new IllegalArgumentException("--curve-secret and --coordinator-key go together");
        }
        String warning = TransportSecurity.check(coordinator, curveSecret != null, insecure,
                "--curve-secret FILE --coordinator-key FILE");
        if (warning != null) {
            spec.commandLine().getErr().println("zcl agent: " + warning);
            spec.commandLine().getErr().flush();
            return null;
        }
        return new Curve.Client(CurveKeys.loadSecret(curveSecret), CurveKeys.loadPublic(coordinatorKey));
    }

    private void range(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ParameterException(spec.commandLine(), option + " must be "
                    + (max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max) + ", got " + value);
        }
    }
}
