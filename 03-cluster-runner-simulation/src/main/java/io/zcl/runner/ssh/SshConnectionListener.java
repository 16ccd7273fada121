package io.zcl.runner.ssh;

/**
 * Connection events of the nodes, e.g. to journal node up/lost as the ZeroMQ coordinator's
 * listener does. Called from SSH I/O or connect threads: implementations must be quick.
 */
public interface SshConnectionListener {

    SshConnectionListener NONE = new SshConnectionListener() {
        @Override
        public void connected(String nodeId, long connectionNumber) {
        }

        @Override
        public void lost(String nodeId, String reason) {
        }
    };

    /** A connection is open and logged in; 1 for the first, more after reconnects. */
    void connected(String nodeId, long connectionNumber);

    /** The connection closed without the executor closing it (node down, network, sshd killed). */
    void lost(String nodeId, String reason);
}
