package io.zcl.runner.cluster;

/**
 * A cluster descriptor that cannot be used. The message is one line that names the file and the
 * place in it, e.g. {@code cluster.yaml: nodes[2]: missing 'leaf'}, so an operator can fix the
 * file without reading a stack trace.
 */
public class ClusterConfigException extends RuntimeException {

    public ClusterConfigException(String message) {
        super(message);
    }

    public ClusterConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
