package io.zcl.runner.api;

import java.util.List;
import java.util.Map;

/**
 * Everything a run needs (Python: OperationalContextProtocol): the nodes, a way to run commands
 * on each, what each node has, and where results go. One implementation per transport; closing it
 * closes the executors and the journal.
 */
public interface OperationalContext extends AutoCloseable {

    /** The nodes of the cluster, in descriptor order. */
    List<NodeDescriptor> nodes();

    /** The executor for a node; throws {@link UnknownNodeException} for an id not in {@link #nodes()}. */
    NodeExecutor executor(String nodeId);

    /** What the node has; throws {@link UnknownNodeException} for an unknown id. */
    SystemConfiguration systemConfig(String nodeId);

    JournalWriter journal();

    /** "local", "zmq" or "ssh": recorded in the journal with every result. */
    String transport();

    /**
     * Which transport ran each of these commands, by node id, when it can differ from
     * {@link #transport()} (the "auto" context: ZeroMQ where the agent is up, SSH elsewhere).
     * Empty (the default) means every command used {@link #transport()}.
     */
    default Map<String, String> nodeTransports(List<String> commandIds) {
        return Map.of();
    }

    @Override
    void close();
}
