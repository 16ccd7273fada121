package io.zcl.runner.sim;

import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.local.LocalNodeExecutor;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.perftools.Fault;
import io.zcl.runner.zmq.NodeAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Some of a simulated cluster's agents as one real process, for fault tests that SIGKILL an
 * agent (or all of them) and start it again: {@link InProcessAgents}' node setup, only for the
 * nodes named. Runs until standard input closes or the process is killed.
 *
 * <pre>java -cp ... io.zcl.runner.sim.AgentProcess ENDPOINT CLUSTER_SIZE HEARTBEAT_MS TIME_SCALE NODE[,NODE...]</pre>
 * The nodes are those of {@code ClusterDescriptor.simulated(CLUSTER_SIZE, 1)}. Prints
 * {@code AGENTS <pid> <nodes>} once started.
 */
public final class AgentProcess {

    private AgentProcess() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: AgentProcess ENDPOINT CLUSTER_SIZE HEARTBEAT_MS TIME_SCALE NODE[,NODE...]");
            System.exit(2);
        }
        String endpoint = args[0];
        ClusterDescriptor cluster = ClusterDescriptor.simulated(Integer.parseInt(args[1]), 1);
        int heartbeatMs = Integer.parseInt(args[2]);
        double timeScale = Double.parseDouble(args[3]);
        Path tools = EmulatedTools.install(Files.createTempDirectory("zcl-agent-tools-"));
        InProcessAgents.NodeSetup setup = new InProcessAgents.NodeSetup(tools, Map.<String, Fault>of(), timeScale, 0);
        List<NodeAgent> agents = new ArrayList<>();
        List<LocalNodeExecutor> executors = new ArrayList<>();
        for (String nodeId : args[4].split(",")) {
            SystemConfiguration system = cluster.system(nodeId);
            LocalNodeExecutor executor = new LocalNodeExecutor(nodeId, setup.env(nodeId, system), tools,
                    LocalNodeExecutor.Settings.defaults().withCaptureLimitBytes(InProcessAgents.CAPTURE_LIMIT_BYTES)
                            .withMaxConcurrentCommands(8));
            executors.add(executor);
            agents.add(new NodeAgent(NodeAgent.Settings.defaults(endpoint, nodeId, system)
                    .withHeartbeat(heartbeatMs, 3).withBackoff(100, 1000).withPolicy(InProcessAgents.POLICY), executor)
                    .start());
        }
        System.out.println("AGENTS " + ProcessHandle.current().pid() + " " + args[4]);
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // serve until the parent closes our stdin
            }
        } finally {
            agents.forEach(NodeAgent::close);
            executors.forEach(LocalNodeExecutor::close);
        }
    }
}
