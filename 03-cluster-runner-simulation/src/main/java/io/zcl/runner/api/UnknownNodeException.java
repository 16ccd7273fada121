package io.zcl.runner.api;

/** A node id that is not in the cluster. */
public class UnknownNodeException extends IllegalArgumentException {

    public UnknownNodeException(String nodeId, java.util.Collection<String> known) {
        super("unknown node '" + nodeId + "'; the cluster has: " + String.join(", ", known));
    }
}
