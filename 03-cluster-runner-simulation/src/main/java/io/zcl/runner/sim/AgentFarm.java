package io.zcl.runner.sim;

import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.zmq.Curve;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Many simulated nodes' agents in one process, connected to a coordinator elsewhere: the
 * benchmark runs it as a child JVM so the coordinator's process holds the coordinator alone.
 * Runs until its standard input closes or it is killed.
 *
 * <pre>java -cp ... io.zcl.runner.sim.AgentFarm tcp://127.0.0.1:5555 64 [heartbeat-ms [curve-key-folder]]</pre>
 * The nodes are node-1..node-N of {@code ClusterDescriptor.simulated(N, 1)} with emulated tools.
 * With a key folder ({@link FarmKeys}) every agent speaks CURVE with its own key pair and pins the
 * coordinator's public key.
 */
public final class AgentFarm {

    private AgentFarm() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: AgentFarm <coordinator-endpoint> <nodes> [heartbeat-ms [curve-key-folder]]");
            System.exit(2);
        }
        String coordinator = args[0];
        int nodes = Integer.parseInt(args[1]);
        int heartbeatMs = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Function<String, Curve.Client> curve = args.length > 3 ? FarmKeys.read(Path.of(args[3])) : null;
        Path tools = EmulatedTools.install(Files.createTempDirectory("zcl-farm-tools-"));
        ClusterDescriptor cluster = ClusterDescriptor.simulated(nodes, 1);
        try (InProcessAgents agents = new InProcessAgents(cluster, coordinator,
                new InProcessAgents.NodeSetup(tools, Map.of(), 0.0, 0), heartbeatMs, 3, curve)) {
            System.out.println("FARM " + nodes + " agents started");
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent closes our stdin
            }
        }
    }
}
