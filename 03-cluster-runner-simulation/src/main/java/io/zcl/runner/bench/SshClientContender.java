package io.zcl.runner.bench;

import java.util.List;
import java.util.OptionalLong;

/**
 * What the SSH clients that run outside this JVM (asyncssh, pdsh) share: their nodes are
 * {@link SshdNodes}, the nodes' CPU is every sshd tree's, there is no coordinator heap to weigh,
 * and the bench's streaming test does not apply (their output arrives whole, at the end).
 */
abstract class SshClientContender implements Contender {

    /** The nodes, once {@link #connect} has started them. */
    protected SshdNodes sshd;

    /** Starts the nodes, unless the client's program is missing here ({@code missing} says what to install). */
    protected final void startNodes(int nodes, String missing) throws java.io.IOException {
        if (missing != null) {
            throw new IllegalStateException(missing);
        }
        sshd = SshdNodes.start(nodes);
    }

    @Override
    public List<String> nodeIds() {
        return sshd == null ? List.of() : sshd.ids;
    }

    @Override
    public OptionalLong nodeCpuNanos() {
        return sshd == null ? OptionalLong.empty() : sshd.cpuNanos();
    }

    @Override
    public OptionalLong coordinatorBytes() {
        return OptionalLong.empty();
    }

    @Override
    public boolean streams() {
        return false;
    }

    @Override
    public void close() {
        if (sshd != null) {
            sshd.close();
        }
    }
}
