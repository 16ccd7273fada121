package io.zcl.runner.sim;

import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.local.LocalOperationalContext;
import io.zcl.runner.perftools.EmulationEnv;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.zmq.CommandPolicy;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.NodeAgent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.zeromq.ZContext;

/**
 * Simulated nodes in this JVM: for each node of the cluster, a real {@link NodeAgent} on its own
 * DEALER socket over tcp, running real processes (the emulated perf tools) through its own
 * {@link LocalNodeExecutor} whose environment carries the node's profile and injected fault.
 * Only the machine is shared; the protocol, the sockets and the processes are the real ones.
 */
public final class InProcessAgents implements AutoCloseable {

    /** Per-stream output kept in a RESULT: keeps a RESULT well under the 16 MiB body limit. */
    public static final int CAPTURE_LIMIT_BYTES = 4 * 1024 * 1024;

    /**
     * What the simulated and benchmark agents run: the perf tools (emulated here), plus the
     * programs {@code zcl bench} measures the transport with ({@code true}, {@code head -c N
     * /dev/zero}, {@code echo}). The environment and cwd rules are the agent's usual ones.
     */
    public static final CommandPolicy POLICY = CommandPolicy.perfTools().allowing(List.of("true", "head", "echo"));

    /** How a simulated node is set up. */
    public record NodeSetup(Path toolsDir, Map<String, Fault> faults, double timeScale, long seed) {
        public NodeSetup {
            faults = faults == null ? Map.of() : Map.copyOf(faults);
        }

        /** The environment of one node's commands: its profile, its fault, its id. */
        public Map<String, String> env(String nodeId, SystemConfiguration system) {
            Map<String, String> env = new HashMap<>(EmulationEnv.forNode(system,
                    faults.getOrDefault(nodeId, Fault.NONE), timeScale, seed));
            env.put(LocalOperationalContext.NODE_ID_ENV, nodeId);
            return env;
        }
    }

    private final ZContext ctx = new ZContext(1);
    private final List<NodeAgent> agents = new ArrayList<>();
    private final List<LocalNodeExecutor> executors = new ArrayList<>();

    /**
     * Starts one agent per node, each connecting to the coordinator endpoint.
     *
     * @param heartbeatMs agents' heartbeat until the coordinator's WELCOME says otherwise
     */
    public InProcessAgents(ClusterDescriptor cluster, String coordinator, NodeSetup setup, int heartbeatMs, int liveness) {
        this(cluster, coordinator, setup, heartbeatMs, liveness, null);
    }

    /** @param curve each node's CURVE client settings, or null for plaintext */
    public InProcessAgents(ClusterDescriptor cluster, String coordinator, NodeSetup setup, int heartbeatMs, int liveness,
                           Function<String, Curve.Client> curve) {
        for (String nodeId : cluster.nodeIds()) {
            SystemConfiguration system = cluster.system(nodeId);
            LocalNodeExecutor executor = new LocalNodeExecutor(nodeId, setup.env(nodeId, system), setup.toolsDir(),
                    LocalNodeExecutor.Settings.defaults().withCaptureLimitBytes(CAPTURE_LIMIT_BYTES)
                            .withMaxConcurrentCommands(8));
            executors.add(executor);
            NodeAgent.Settings settings = NodeAgent.Settings.defaults(coordinator, nodeId, system)
                    .withHeartbeat(heartbeatMs, liveness).withBackoff(100, 2000).withPolicy(POLICY);
            agents.add(new NodeAgent(settings, executor, ctx, io.zcl.runner.zmq.MonotonicClock::millis)
                    .withCurve(curve == null ? null : curve.apply(nodeId)).start());
        }
    }

    public List<NodeAgent> agents() {
        return List.copyOf(agents);
    }

    /** Stops one node's agent abruptly, as a crashed node would (used by the kill fault). */
    public void kill(String nodeId) {
        for (int i = 0; i < agents.size(); i++) {
            if (agents.get(i).nodeId().equals(nodeId)) {
                agents.get(i).close();
                executors.get(i).close();
            }
        }
    }

    @Override
    public void close() {
        agents.forEach(NodeAgent::close);
        executors.forEach(LocalNodeExecutor::close);
        ctx.close();
    }
}
