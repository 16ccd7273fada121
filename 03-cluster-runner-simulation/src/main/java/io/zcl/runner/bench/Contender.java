package io.zcl.runner.bench;

import io.zcl.runner.api.NodeExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One transport under test, with its simulated nodes. The benchmark drives every contender
 * through the same {@link NodeExecutor} API with the same commands.
 */
public interface Contender extends AutoCloseable {

    /** "zmq" or "ssh": the name in tables and charts. */
    String name();

    /** Starts N nodes and connects to all of them; returns the connection set-up time. */
    Duration connect(int nodes) throws Exception;

    List<String> nodeIds();

    NodeExecutor executor(String nodeId);

    /**
     * Kills every node's end of the transport abruptly (SIGKILL of the agents or of sshd) and
     * returns how long the transport took to report the first node lost.
     */
    Duration killAndDetect() throws Exception;

    /**
     * How many times the transport declared a node lost while it was being measured, before the
     * deliberate kill (a node that misses its heartbeats on a starved machine), when it can tell.
     */
    default OptionalLong nodesLostWhileMeasuring() {
        return OptionalLong.empty();
    }

    /**
     * CPU nanoseconds used so far by the nodes' side of the transport (the agent farm JVM, or the
     * sshd processes with their sessions), including the commands they ran and reaped; empty when
     * it cannot be told. The bench reads it before and after a phase.
     */
    default OptionalLong nodeCpuNanos() {
        return OptionalLong.empty();
    }

    /**
     * CPU nanoseconds used so far by the client side (the coordinator, or the SSH client): this JVM's
     * own by default; a client in another process (asyncssh, pdsh) counts that process instead.
     */
    default OptionalLong clientCpuNanos() {
        return CpuTime.self();
    }

    /** Whether the bench's streaming test applies (its client delivers output as it comes). */
    default boolean streams() {
        return true;
    }

    /**
     * Runs {@code argv} on every node at once in this client's own way and returns when all have
     * finished, or empty to let the bench start one command per node through {@link #executor}.
     */
    default Optional<Duration> fanOut(List<String> argv) throws Exception {
        return Optional.empty();
    }

    /** Heap the coordinator side holds for its N connections, when it can be told apart. */
    OptionalLong coordinatorBytes();

    /** Anything the report should say about this contender's run (e.g. CURVE handshakes), read before close. */
    default Optional<String> note() {
        return Optional.empty();
    }

    /** What detection is bounded by, for the report. */
    String detectionNote();

    @Override
    void close();
}
