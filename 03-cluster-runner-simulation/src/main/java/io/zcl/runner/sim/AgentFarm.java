package io.zcl.runner.sim;

import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.zmq.Curve;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.SystemConfiguration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Many simulated nodes' agents in one process, connected to a coordinator elsewhere: the
 * benchmark runs it as a child JVM so the coordinator's process holds the coordinator alone.
 * Runs until its standard input closes or it is killed.
 *
 * <pre>java -cp ... io.zcl.runner.sim.AgentFarm tcp://127.0.0.1:5555 64 [heartbeat-ms [curve-key-folder|- [first last]]]</pre>
 * The nodes are node-1..node-N of {@code ClusterDescriptor.simulated(N, 1)} with emulated tools,
 * or only node-FIRST..node-LAST of them. With a key folder ({@link FarmKeys}; "-" for none) every
 * agent speaks CURVE with its own key pair and pins the coordinator's public key.
 */
public final class AgentFarm {

    private AgentFarm() {
    }

    public static void main(String[] args) throws IOException {
        io.zcl.runner.local.SpawnMechanism.preferVfork(); // as a real agent (AgentMain) does
        if (args.length < 2) {
            System.err.println("usage: AgentFarm <coordinator-endpoint> <nodes> [heartbeat-ms [curve-key-folder|- [first last]]]");
            System.exit(2);
        }
        String coordinator = args[0];
        int nodes = Integer.parseInt(args[1]);
        int heartbeatMs = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Function<String, Curve.Client> curve = args.length > 3 && !args[3].equals("-") ? FarmKeys.read(Path.of(args[3])) : null;
        Path tools = EmulatedTools.install(Files.createTempDirectory("zcl-farm-tools-"));
        ClusterDescriptor all = ClusterDescriptor.simulated(nodes, 1);
        int first = args.length > 5 ? Integer.parseInt(args[4]) : 1;
        int last = args.length > 5 ? Integer.parseInt(args[5]) : nodes;
        List<NodeDescriptor> mine = all.nodes().subList(first - 1, last);
        Map<String, SystemConfiguration> systems = new LinkedHashMap<>();
        mine.forEach(n -> systems.put(n.id(), all.system(n.id())));
        ClusterDescriptor cluster = new ClusterDescriptor(all.name(), mine, systems);
        try (InProcessAgents agents = new InProcessAgents(cluster, coordinator,
                new InProcessAgents.NodeSetup(tools, Map.of(), 0.0, 0), heartbeatMs, 3, curve)) {
            System.out.println("FARM " + cluster.nodes().size() + " agents started");
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent closes our stdin
            }
        }
    }
}
