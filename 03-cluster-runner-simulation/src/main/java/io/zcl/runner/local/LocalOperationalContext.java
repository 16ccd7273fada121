package io.zcl.runner.local;

import io.zcl.runner.api.JournalWriter;
import io.zcl.runner.api.NodeDescriptor;
import io.zcl.runner.api.NodeExecutor;
import io.zcl.runner.api.OperationalContext;
import io.zcl.runner.api.SystemConfiguration;
import io.zcl.runner.api.UnknownNodeException;
import io.zcl.runner.cluster.ClusterDescriptor;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A cluster whose nodes are all this machine: one {@link LocalNodeExecutor} per node of the
 * descriptor, each with its own environment. Every node's environment carries
 * {@code ZCL_NODE_ID=<node id>}, plus what {@code nodeEnv} returns for it: that is how a
 * simulation tells an emulated tool which node it plays and injects a fault into one node
 * (e.g. a slow link on node-3). Closing the context closes the executors and the journal.
 */
public final class LocalOperationalContext implements OperationalContext {

    /** Set in every local node's environment so a tool knows which node it runs as. */
    public static final String NODE_ID_ENV = "ZCL_NODE_ID";

    private final ClusterDescriptor cluster;
    private final JournalWriter journal;
    private final Map<String, LocalNodeExecutor> executors = new LinkedHashMap<>();

    public LocalOperationalContext(ClusterDescriptor cluster, JournalWriter journal) {
        this(cluster, journal, id -> Map.of(), null, LocalNodeExecutor.Settings.defaults());
    }

    /**
     * @param cluster    the nodes and their configurations
     * @param journal    where results go; closed with this context
     * @param nodeEnv    extra environment per node id (faults, tool settings); may return an empty map
     * @param pathPrefix a directory put in front of every node's PATH (emulated tools), or null
     * @param settings   per-node executor settings
     */
    public LocalOperationalContext(ClusterDescriptor cluster, JournalWriter journal,
                                   Function<String, Map<String, String>> nodeEnv, Path pathPrefix,
                                   LocalNodeExecutor.Settings settings) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.journal = Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(nodeEnv, "nodeEnv");
        for (NodeDescriptor node : cluster.nodes()) {
            Map<String, String> env = new HashMap<>();
            env.put(NODE_ID_ENV, node.id());
            Map<String, String> extra = nodeEnv.apply(node.id());
            if (extra != null) {
                env.putAll(extra);
            }
            executors.put(node.id(), new LocalNodeExecutor(node.id(), env, pathPrefix, settings));
        }
    }

    public ClusterDescriptor cluster() {
        return cluster;
    }

    @Override
    public List<NodeDescriptor> nodes() {
        return cluster.nodes();
    }

    @Override
    public NodeExecutor executor(String nodeId) {
        LocalNodeExecutor executor = executors.get(nodeId);
        if (executor == null) {
            throw new UnknownNodeException(nodeId, executors.keySet());
        }
        return executor;
    }

    @Override
    public SystemConfiguration systemConfig(String nodeId) {
        return cluster.system(nodeId);
    }

    @Override
    public JournalWriter journal() {
        return journal;
    }

    @Override
    public String transport() {
        return "local";
    }

    /** Stops every node's commands, then closes the journal (which writes what is queued). */
    @Override
    public void close() {
        try {
            executors.values().forEach(LocalNodeExecutor::close);
        } finally {
            journal.close();
        }
    }
}
