package io.zcl.runner.cluster;

import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A cluster: its nodes (in file order) and what each one has. Read from a cluster.yaml with
 * {@link #load(Path)} (format in {@link ClusterYaml}) or made up with {@link #simulated(int, int)}.
 *
 * @param name    the cluster's name, recorded in run headers
 * @param nodes   the nodes, in descriptor order; ids are unique
 * @param systems every node's configuration by node id; a node the file says nothing about gets
 *                an empty configuration (no GPUs, no NICs) with its host as host name
 */
public record ClusterDescriptor(String name, List<NodeDescriptor> nodes, Map<String, SystemConfiguration> systems) {

    public ClusterDescriptor {
        Objects.requireNonNull(name, "name");
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("cluster " + name + ": no nodes");
        }
        Map<String, SystemConfiguration> complete = new LinkedHashMap<>();
        for (NodeDescriptor node : nodes) {
            if (complete.containsKey(node.id())) {
                throw new IllegalArgumentException("cluster " + name + ": duplicate node id '" + node.id() + "'");
            }
            SystemConfiguration system = systems == null ? null : systems.get(node.id());
            complete.put(node.id(), system != null ? system : new SystemConfiguration(node.host(), null, null, null));
        }
        if (systems != null && !complete.keySet().containsAll(systems.keySet())) {
            Set<String> extra = new LinkedHashSet<>(systems.keySet());
            extra.removeAll(complete.keySet());
            throw new IllegalArgumentException("cluster " + name + ": configurations for unknown nodes " + extra);
        }
        systems = Collections.unmodifiableMap(complete);
    }

    /** Reads and validates a cluster.yaml; any problem is one {@link ClusterConfigException} line. */
    public static ClusterDescriptor load(Path file) {
        return ClusterYaml.load(file);
    }

    /** Parses YAML text; {@code source} names it in error messages (usually the file name). */
    public static ClusterDescriptor parse(String yaml, String source) {
        return ClusterYaml.parse(yaml, source);
    }

    /**
     * A cluster of {@code nodeCount} H100 nodes on 127.0.0.1, named node-1..node-N, on leaves
     * leaf-1..leaf-L in contiguous blocks (node-1..node-k on leaf-1, and so on; the first N mod L
     * leaves get one node more). Blocks, not round-robin, because that is how real racks are
     * numbered, and because with round-robin neighbouring ids sit on different leaves, which would
     * hide a schedule that pairs neighbours instead of looking at leaves.
     */
    public static ClusterDescriptor simulated(int nodeCount, int leafCount) {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("a simulated cluster needs at least 1 node, got " + nodeCount);
        }
        if (leafCount < 1 || leafCount > nodeCount) {
            throw new IllegalArgumentException("leaves must be between 1 and the node count (" + nodeCount
                    + "), got " + leafCount);
        }
        List<NodeDescriptor> nodes = new ArrayList<>();
        Map<String, SystemConfiguration> systems = new HashMap<>();
        int base = nodeCount / leafCount;
        int bigger = nodeCount % leafCount;
        int next = 1;
        for (int leaf = 1; leaf <= leafCount; leaf++) {
            int size = base + (leaf <= bigger ? 1 : 0);
            for (int i = 0; i < size; i++, next++) {
                String id = "node-" + next;
                nodes.add(new NodeDescriptor(id, "127.0.0.1", 22, "leaf-" + leaf, Map.of()));
                systems.put(id, SystemProfiles.h100(id));
            }
        }
        return new ClusterDescriptor("simulated-" + nodeCount + "x" + leafCount, nodes, systems);
    }

    public List<String> nodeIds() {
        return nodes.stream().map(NodeDescriptor::id).toList();
    }

    /** Leaf names in order of first appearance. */
    public List<String> leaves() {
        return nodes.stream().map(NodeDescriptor::leaf).distinct().toList();
    }

    public NodeDescriptor node(String nodeId) {
        return nodes.stream().filter(n -> n.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> new UnknownNodeException(nodeId, nodeIds()));
    }

    public SystemConfiguration system(String nodeId) {
        SystemConfiguration system = systems.get(nodeId);
        if (system == null) {
            throw new UnknownNodeException(nodeId, nodeIds());
        }
        return system;
    }
}
