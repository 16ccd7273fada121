package io.zcl.monitor;

import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.cluster.ClusterDescriptor;
import io.zcl.runner.cluster.SystemProfiles;
import io.zcl.runner.perftools.EmulatedTools;
import io.zcl.runner.sim.InProcessAgents;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One simulated node's agent in a process of its own, so a test can kill it the way a node
 * crashes (SIGKILL: no BYE, the coordinator only notices the silence).
 *
 * <pre>java -cp ... io.zcl.monitor.ChildAgent COORDINATOR NODE-ID LEAF HEARTBEAT-MS TIME-SCALE</pre>
 */
public final class ChildAgent {

    private ChildAgent() {
    }

    public static void main(String[] args) throws Exception {
        String coordinator = args[0];
        String nodeId = args[1];
        String leaf = args[2];
        int heartbeatMs = Integer.parseInt(args[3]);
        double timeScale = Double.parseDouble(args[4]);
        Path tools = EmulatedTools.install(Files.createTempDirectory("zcl-child-tools-"));
        System.out.println("TOOLS " + tools);
        ClusterDescriptor one = new ClusterDescriptor("child", List.of(new NodeDescriptor(nodeId, "127.0.0.1", 22, leaf, Map.of())),
                Map.of(nodeId, SystemProfiles.h100(nodeId)));
        try (InProcessAgents agents = new InProcessAgents(one, coordinator,
                new InProcessAgents.NodeSetup(tools, Map.of(), timeScale, 0), heartbeatMs, 3)) {
            System.out.println("AGENT " + nodeId + " started");
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until killed or the parent closes our stdin
            }
        }
    }
}
